#!/bin/sh
# docs/premium_split.sh: where the main job's unhedged condor loses its premium on the calibrated
# svcj2 with both measures (configs/models/svcj2_cal_rn.yaml). It runs the main job's book
# (configs/alvh_svcj2_cal_rn.yaml) on physical sets that move, one group of parameters at a time,
# from the file's pricing set (physical = pricing: the condor's mean is its costs, and 0 without
# them, the martingale test) to the file's fitted physical set, on the same paths (same seed), and
# prints each step's mean yearly P&L of the unhedged book with its standard error as a markdown
# table. The diffusion coefficients (sigma_v, sigma_m, rho) are equal in both sets of that file.
# Usage, from the repository root: docs/premium_split.sh [path/to/vixrisk] [paths] (default
# build/vixrisk, 2000 paths; about 20 s a step on an idle 2-core machine). Quoted in
# docs/calibration.md, "The main job and the calibrated pricing set".
set -eu
BIN=${1:-build/vixrisk}
PATHS=${2:-2000}
MODEL=configs/models/svcj2_cal_rn.yaml
JOB=configs/alvh_svcj2_cal_rn.yaml
DIR=$(mktemp -d /tmp/premium_split.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/models"

# variant NAME PARAMS COSTS: the model file with physical = pricing except PARAMS (comma list,
# taken from the physical set), and the job on it (COSTS = 0 sets the costs to zero)
variant() {
    awk -v take="$2" '
        function dict(line, d,   body, n, i, kv, parts) {
            body = line; sub(/^[^{]*\{/, "", body); sub(/\}.*$/, "", body)
            n = split(body, parts, ",")
            for (i = 1; i <= n; i++) {
                split(parts[i], kv, ":"); gsub(/ /, "", kv[1]); gsub(/ /, "", kv[2])
                d[kv[1]] = kv[2]; order[i] = kv[1]
            }
            return n
        }
        { line[NR] = $0 }
        /^  physical:/ { pl = NR }
        /^  pricing:/ { ql = NR }
        END {
            dict(line[pl], P); n = dict(line[ql], Q)
            split(take, t, ","); for (i in t) use[t[i]] = 1
            out = "  physical: {"
            for (i = 1; i <= n; i++) {
                k = order[i]
                out = out (i > 1 ? ", " : "") k ": " ((k in use) ? P[k] : Q[k])
            }
            line[pl] = out "}"
            for (i = 1; i <= NR; i++) print line[i]
        }' "$MODEL" > "$DIR/models/$1.yaml"
    sed -e "s|models/svcj2_cal_rn.yaml|models/$1.yaml|" \
        -e "s|^  paths: [0-9]*|  paths: $PATHS|" "$JOB" > "$DIR/$1.yaml"
    if [ "$3" = 0 ]; then
        sed -i -e 's/^  commission: [0-9.]*/  commission: 0/' -e 's/^  half_spread: [0-9.]*/  half_spread: 0/' \
            -e 's/^  vix_half_spread: [0-9.]*/  vix_half_spread: 0/' "$DIR/$1.yaml"
    fi
    "$BIN" run "$DIR/$1.yaml" -o "$DIR/$1.h5" 2>/dev/null |
        awk -v name="$4" '$1 == "unhedged" && $3 == "+-" { printf "| %s | %s +- %s |\n", name, $2, $4 }'
}

V=lambda0,lambda1,mu_v
J=mu_s,sigma_s,rho_j
echo "| physical set | unhedged condor, mean P&L a year (USD) |"
echo "|---|---:|"
variant s0 "" 0 "= pricing, no costs"
variant s1 "" 1 "= pricing"
variant s2 kappa_m,theta 1 "+ physical kappa_m, theta"
variant s3 kappa_v,kappa_m,theta 1 "+ physical kappa_v"
variant s4 "kappa_v,kappa_m,theta,$V" 1 "+ physical lambda0, lambda1, mu_v"
variant s5 "kappa_v,kappa_m,theta,$V,$J" 1 "+ physical mu_s, sigma_s, rho_j (the fitted physical set)"
echo
echo "$PATHS paths x 252 days, seed of $JOB, $("$BIN" --version 2>/dev/null | head -n 1)"
