import os,sys,math
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__)))
from results import load, ms, T, natural
names={'up_join_B_per_s':'join B/s','up_registration_B_per_s':'registration B/s','up_flood_B_per_s':'flood B/s','up_refresh_B_per_s':'refresh B/s','up_resolve_B_per_s':'resolve B/s','up_maintenance_B_per_s':'maintenance B/s','up_split_detection_B_per_s':'split detection B/s','up_unregistration_B_per_s':'unregistration B/s','up_B_per_s':'**total upload B/s**','resolve_success_ratio':'resolve success','resolve_hops':'hops','cache_levels':'cache levels','cache_entries':'cache entries','leaf_set_accuracy_ratio':'leaf-set accuracy'}
groups=load()
def fmt(m,se,n,k):
    ci=T[n]*se
    if k.endswith('_ratio'): return '%.2f %% ± %.2f'%(100*m,100*ci)
    return '%.3f ± %.3f'%(m,ci)
summary=[]
for c in ['H1000_m1_cfalse','H1000_m8_cfalse','H10000_m1_cfalse','H10000_m8_cfalse','H1000_m1_ctrue','H1000_m8_ctrue','H10000_m1_ctrue']:
    tag,nat_label=natural(c)
    if not groups[c+'.'+tag]: continue
    H,m,ch=c.split('_'); churn=ch=='ctrue'
    starts=['steady10']+(['steady120','steadyD'] if churn else [])
    nat=groups[c+'.'+tag]
    n=len(nat)
    title='%s hosts × %s name%s, %s, %d seeds'%('{:,}'.format(int(H[1:])).replace(',',' '),m[1:],'' if m[1:]=='1' else 's','churn (exponential, sessions 2 h, downtimes 1 h)' if churn else 'static',n)
    print('\n**%s**\n'%title)
    hdr='| figure | natural warm-up (joins, %s) |'%nat_label
    sep='|---|---:|'
    for s in starts: hdr+=' steady, %s | Δ |'%{'steady10':'10 min warm-up','steady120':'2 h warm-up','steadyD':'default warm-up (3 h)'}[s]; sep+='---:|---:|'
    print(hdr); print(sep)
    tot=ms([r['up_B_per_s'] for r in nat])[0]
    for k,label in names.items():
        mn,sn,_=ms([r[k] for r in nat])
        if k.startswith('up_') and k!='up_B_per_s' and mn<0.01*tot: continue
        row='| %s | %s |'%(label,fmt(mn,sn,n,k))
        for s in starts:
            ms_,ss,ns=ms([r[k] for r in groups[c+'.'+s]])
            d=(ms_-mn)/mn if mn else float('nan')
            ok=abs(ms_-mn)<=max(0.05*abs(mn), T[n]*math.sqrt(sn**2+ss**2)) if k!='cache_entries' else None
            mark='' if ok is None else ('' if ok else ' ✗')
            row+=' %s | %+.1f %%%s |'%(fmt(ms_,ss,ns,k),100*d,mark)
            summary.append((c,s,label,d,ok))
        print(row)
