#!/bin/bash
# one.sh TAG SEED ARGS... : runs one pnrpsim run, JSON to ${RES:-steady-runs}/TAG.SEED.json
tag=$1; seed=$2; shift 2
mkdir -p ${RES:-steady-runs}
${PNRPSIM:-target/release/pnrpsim} run scenarios/quickstart.toml --seed $seed --out ${RES:-steady-runs}/out/$tag.$seed --format json "$@" > ${RES:-steady-runs}/$tag.$seed.json 2>${RES:-steady-runs}/$tag.$seed.err
