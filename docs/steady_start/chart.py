import os,sys,math
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__)))
from results import load, ms, T, natural
groups=load()
rows=[('up_B_per_s','total upload per host'),('up_flood_B_per_s','flood bytes'),('up_resolve_B_per_s','resolve bytes'),('up_maintenance_B_per_s','maintenance bytes'),('up_split_detection_B_per_s','split-detection bytes'),('resolve_success_ratio','resolve success'),('resolve_hops','hops'),('cache_levels','cache levels'),('leaf_set_accuracy_ratio','leaf-set accuracy')]
series=[('H1000_m1_cfalse','steady10','10³ × 1, static (10 min)','#1f77b4',True),
        ('H1000_m8_cfalse','steady10','10³ × 8, static (10 min)','#ff7f0e',True),
        ('H10000_m1_cfalse','steady10','10⁴ × 1, static (10 min)','#2ca02c',True),
        ('H10000_m8_cfalse','steady10','10⁴ × 8, static (10 min)','#bcbd22',True),
        ('H1000_m1_ctrue','steadyD','10³ × 1, churn (default, 3 h)','#d62728',True),
        ('H1000_m8_ctrue','steadyD','10³ × 8, churn (default, 3 h)','#9467bd',True),
        ('H10000_m1_ctrue','steadyD','10⁴ × 1, churn (default, 3 h)','#8c564b',True),
        ('H10000_m1_ctrue','steady10','10⁴ × 1, churn (10 min only)','#8c564b',False)]
W,H=1100,720; L,R,Tp,B=230,330,70,60
x0,x1=-40,30
def X(d): return L+(d-x0)/(x1-x0)*(W-L-R)
rowh=(H-Tp-B)/len(rows)
o=['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="DejaVu Sans, sans-serif">'%(W,H),'<rect width="100%" height="100%" fill="white"/>']
o.append('<text x="%d" y="30" font-size="19" text-anchor="middle">Steady start against a long natural warm-up: difference of each figure</text>'%((W-R+L)//2))
o.append('<rect x="%.1f" y="%d" width="%.1f" height="%.1f" fill="#e8e8e8"/>'%(X(-5),Tp,X(5)-X(-5),H-Tp-B))
for d in range(x0,x1+1,10):
    o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc"/>'%(X(d),Tp,X(d),H-B))
    o.append('<text x="%.1f" y="%d" font-size="13" text-anchor="middle">%+d %%</text>'%(X(d),H-B+20,d) if d else '<text x="%.1f" y="%d" font-size="13" text-anchor="middle">0</text>'%(X(d),H-B+20))
o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#444" stroke-width="1.5"/>'%(X(0),Tp,X(0),H-B))
o.append('<text x="%.1f" y="%d" font-size="14" text-anchor="middle">(steady − natural) / natural, with the 95 %% CI of the difference; grey: ±5 %%; reasons below 1 %% of the bytes left out</text>'%(X(-5),H-15))
for i,(k,label) in enumerate(rows):
    yc=Tp+rowh*(i+0.5)
    o.append('<text x="%d" y="%.1f" font-size="14" text-anchor="end">%s</text>'%(L-10,yc+5,label))
    if i: o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>'%(L,Tp+rowh*i,W-R,Tp+rowh*i))
    for j,(c,s,name,col,filled) in enumerate(series):
        nat=groups[c+'.'+natural(c)[0]]; st=groups[c+'.'+s]
        mn,sn,n=ms([r[k] for r in nat]); mm,sm,_=ms([r[k] for r in st])
        tot=ms([r['up_B_per_s'] for r in nat])[0]
        if mn==0 or (k.startswith('up_') and k!='up_B_per_s' and mn<0.01*tot): continue
        d=100*(mm-mn)/mn; ci=100*T[n]*math.sqrt(sn*sn+sm*sm)/mn
        y=Tp+rowh*i+rowh*(j+1)/(len(series)+1)
        lo,hi=max(x0,d-ci),min(x1,d+ci)
        o.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>'%(X(lo),y,X(hi),y,col))
        dd=max(x0,min(x1,d))
        o.append('<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="%s" stroke-width="1.5"/>'%(X(dd),y,col if filled else 'white',col))
for j,(c,s,name,col,filled) in enumerate(series):
    y=Tp+20+j*24
    o.append('<circle cx="%d" cy="%d" r="5" fill="%s" stroke="%s" stroke-width="1.5"/>'%(W-R+25,y,col if filled else 'white',col))
    o.append('<text x="%d" y="%d" font-size="13">%s</text>'%(W-R+38,y+5,name))
o.append('<text x="%d" y="%d" font-size="12" fill="#555">hosts × names; warm-up of the</text>'%(W-R+20,Tp+20+len(series)*24+10))
o.append('<text x="%d" y="%d" font-size="12" fill="#555">steady start in brackets</text>'%(W-R+20,Tp+20+len(series)*24+26))
o.append('</svg>')
open('steady_start.svg','w').write('\n'.join(o))
