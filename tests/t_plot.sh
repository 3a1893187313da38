#!/bin/bash
# kvmbench plot and the charts of kvmbench run, on real small runs: exit
# costs (ioexit), page walks (a working-set sweep with native twins), CPU
# overcommit; the generic chart (--metric/--knob); a run without gnuplot
# or with a broken script; and the input plot refuses.
. "$(dirname "$0")/lib.sh"
require_kvm
if ! command -v gnuplot >/dev/null; then
	echo "1..0 # SKIP gnuplot is not installed"
	exit 0
fi

# is_svg FILE, is_png FILE: well-formed XML; the PNG signature.
is_svg() { python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1" 2>/dev/null; }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# chart_ok DIR NAME WHAT: NAME.svg, .png and .dat in DIR, the SVG valid.
chart_ok() {
	is_svg "$1/$2.svg" && is_png "$1/$2.png" && [ -s "$1/$2.dat" ]
	ok $? "$3: $2.svg (valid XML), $2.png and $2.dat"
}

# Short samples: this test checks files and their content, not figures.
fast=(-p sample_us=200 -p samples=3)

# 1. Exits, drawn by the run itself.
timeout 300 "$KB" run -o "$TMP/io" "${fast[@]}" ioexit:pio ioexit:mmio >"$TMP/io.out" 2>"$TMP/io.err"
ok $? "kvmbench run ioexit:pio ioexit:mmio exits 0"
io=$(ls -d "$TMP"/io/*/ | head -1)
io=${io%/}
chart_ok "$io/charts" exits "the run drew the exit costs"
like "$io/charts/exits.svg" '>outb<' "the SVG has the operations on x (outb)"
like "$io/charts/exits.svg" '>mmio_read4<' "...and mmio_read4"
like "$io/charts/exits.svg" '>cpl0<' "...and a series per level: cpl0"
like "$io/charts/exits.svg" '>cpl3<' "...and cpl3"
like "$io/charts/exits.svg" "paging $("$KB" host | sed -n 's/^  paging: //p')" "the title names the paging mode"
like "$io/charts/exits.svg" "kernel $(uname -r)" "...and the kernel"
like "$io/charts/exits.dat" '^# +gnuplot -e ".*plot-exits.gp$' "the .dat file says how to draw it again"
like "$io/charts/exits.dat" '^"outb"	[0-9.e+]+	' "...and holds the medians"
like "$io/summary.md" '^## Charts$' "summary.md has a Charts section"
like "$io/summary.md" '^!\[exits\]\(charts/exits.svg\)$' "...with the chart as an image"
like "$io/summary.md" '\[PNG\]\(charts/exits.png\)' "...and a link to the PNG"

# 2. Page walks: a working-set sweep, two guest page sizes, native twins.
cat >"$TMP/pw.yaml" <<YAML
name: plot-pw
tests: [pagewalk:chase]
memory: 32
params: {sample_us: 200, samples: 3}
matrix:
  params.ws_mb: [4, 8]
  params.page: [4k, 2m]
YAML
timeout 300 "$KB" run -o "$TMP/pw" "$TMP/pw.yaml" >"$TMP/pw.out" 2>"$TMP/pw.err"
ok $? "a small pagewalk sweep exits 0"
pw=$(ls -d "$TMP"/pw/*/ | head -1)
pw=${pw%/}
chart_ok "$pw/charts" pagewalk-chase "the run drew the chase against the working set"
chart_ok "$pw/charts" pagewalk-chase-ratio "...and its virtual/native ratio"
like "$pw/charts/pagewalk-chase.svg" '>page=4k' "a line for 4k guest pages"
like "$pw/charts/pagewalk-chase.svg" '>page=2m' "a line for 2m guest pages"
like "$pw/charts/pagewalk-chase.svg" '>native<' "the native baseline (one: it ignores the guest page size)"
like "$pw/charts/pagewalk-chase.svg" 'working set \(MiB' "the x axis carries its unit"
like "$pw/charts/pagewalk-chase.svg" 'ns per access' "...and the y axis"
like "$pw/charts/pagewalk-chase-ratio.svg" 'native \(1\)' "the ratio chart marks native speed"
unlike "$pw/charts/pagewalk-chase.svg" 'stream|first_touch' "only the metric that ran is drawn"
ok $([ ! -e "$pw/charts/pagewalk-stream.svg" ]; echo $?) "no chart for a metric that did not run"
ok $([ ! -e "$pw/charts/exits.svg" ]; echo $?) "no exit chart without ioexit"

# 3. kvmbench plot: the same charts again, elsewhere, one format.
"$KB" plot -o "$TMP/again" -f svg "$pw" >"$TMP/plot.out" 2>"$TMP/plot.err"
ok $? "kvmbench plot -o DIR -f svg exits 0"
like "$TMP/plot.out" "^$TMP/again/pagewalk-chase.svg$" "it prints the files it made"
ok $([ -s "$TMP/again/pagewalk-chase.svg" ] && [ ! -e "$TMP/again/pagewalk-chase.png" ]; echo $?) \
	"-f svg makes SVG only"

# 4. The generic chart, numeric and categorical x.
"$KB" plot --metric chase --knob ws_mb "$pw" >"$TMP/gen.out" 2>"$TMP/gen.err"
ok $? "plot --metric chase --knob ws_mb exits 0"
chart_ok "$pw/charts" metric-chase-by-params.ws_mb "the generic chart"
like "$pw/charts/metric-chase-by-params.ws_mb.svg" '>page=4k<' "a line per other setting that varies (4k)"
like "$pw/charts/metric-chase-by-params.ws_mb.svg" '>page=2m<' "...(2m)"
like "$pw/charts/metric-chase-by-params.ws_mb.svg" 'params.ws_mb' "the x axis names the column"
unlike "$TMP/gen.out" 'pagewalk-chase\.' "only the chart asked for is made"
"$KB" plot -m chase.native -k params.page "$pw" >/dev/null 2>"$TMP/cat.err"
ok $? "plot --metric chase.native --knob params.page (categories) exits 0"
like "$pw/charts/metric-chase.native-by-params.page.svg" '>2m<' "the categories label the x axis"
like "$pw/charts/metric-chase.native-by-params.page.svg" '>ws_mb=8<' "a line per working set"

# 5. Overcommit: both patterns at two levels, short phases.
cat >"$TMP/oc.yaml" <<YAML
name: plot-oc
tests: [smp:overcommit]
memory: 16
timeout: 60
params: {phase_ms: 50, sample_us: 200, samples: 3, rounds: 8}
matrix:
  overcommit: [0.5, 1]
  overcommit_pattern: [many-vms, one-vm]
YAML
timeout 300 "$KB" run -o "$TMP/oc" "$TMP/oc.yaml" >"$TMP/oc.out" 2>"$TMP/oc.err"
ok $? "a small overcommit run exits 0"
oc=$(ls -d "$TMP"/oc/*/ | head -1)
oc=${oc%/}
chart_ok "$oc/charts" overcommit-cost "the run drew the overcommit costs"
chart_ok "$oc/charts" overcommit-progress "...and the progress per vCPU"
like "$oc/charts/overcommit-cost.svg" '>many-vms: barrier.cpl3<' "a line per pattern and figure (many-vms)"
like "$oc/charts/overcommit-cost.svg" '>one-vm: barrier.cpl3<' "...(one-vm)"
like "$oc/charts/overcommit-progress.svg" '>one-vm: progress.sync<' "progress lines"
unlike "$oc/charts/overcommit-cost.svg" 'vms=|vcpus=' "vms and vcpus, set by the ratio, split no line"
like "$oc/charts/overcommit-cost.svg" 'vCPUs per host CPU' "the x axis says what the ratio is"

# 6. Input plot refuses (exit 2, with a message).
"$KB" plot "$TMP/nosuchdir" >/dev/null 2>"$TMP/e1"
ok $([ $? -eq 2 ]; echo $?) "a missing directory exits 2"
like "$TMP/e1" 'nosuchdir' "...naming it"
cp -r "$io" "$TMP/inc"
echo "interrupted by Interrupt" >"$TMP/inc/INCOMPLETE"
"$KB" plot "$TMP/inc" >/dev/null 2>"$TMP/e2"
ok $([ $? -eq 2 ]; echo $?) "an INCOMPLETE directory exits 2"
like "$TMP/e2" 'incomplete' "...saying it is incomplete"
"$KB" plot --metric nosuch --knob backing "$io" >/dev/null 2>"$TMP/e3"
ok $([ $? -eq 2 ]; echo $?) "an unknown metric exits 2"
like "$TMP/e3" "no metric 'nosuch' \(metrics here: .*outb.cpl3" "...listing the metrics there"
"$KB" plot --metric outb.cpl3 --knob nosuch "$io" >/dev/null 2>"$TMP/e4"
ok $([ $? -eq 2 ]; echo $?) "an unknown column exits 2"
like "$TMP/e4" "no column 'nosuch'" "...saying so"
"$KB" plot --metric outb.cpl3 "$io" >/dev/null 2>"$TMP/e5"
ok $([ $? -eq 2 ]; echo $?) "--metric without --knob exits 2"
"$KB" plot >/dev/null 2>"$TMP/e6"
ok $([ $? -eq 2 ]; echo $?) "no directory exits 2"
"$KB" plot -f gif "$io" >/dev/null 2>&1
ok $([ $? -eq 2 ]; echo $?) "an unknown format exits 2"
KVMBENCH_GNUPLOT=/nonexistent/gnuplot "$KB" plot "$io" >/dev/null 2>"$TMP/e7"
ok $([ $? -eq 2 ]; echo $?) "no gnuplot exits 2"
like "$TMP/e7" 'gnuplot is not installed' "...saying gnuplot is not installed"

# 7. gnuplot failing: an error naming the chart, exit 1, the others made.
mkdir "$TMP/scripts"
cp "$(dirname "$(grep -o '[^ ]*plot-exits.gp' "$io/charts/exits.dat")")"/*.gp "$TMP/scripts/"
echo 'plot nosuchfunction(x)' >>"$TMP/scripts/plot-exits.gp"
KVMBENCH_SCRIPTS="$TMP/scripts" "$KB" plot "$io" >/dev/null 2>"$TMP/e8"
ok $([ $? -eq 1 ]; echo $?) "a failing gnuplot script exits 1"
like "$TMP/e8" '^chart exits \(svg\): gnuplot exited with status [0-9]+: .*undefined function' \
	"the message names the chart and gives gnuplot's complaint"
KVMBENCH_SCRIPTS="$TMP/scripts" "$KB" plot "$pw" >/dev/null 2>&1
ok $? "the other charts are unaffected"

# 8. A run never fails because of its charts.
KVMBENCH_SCRIPTS="$TMP/scripts" timeout 120 "$KB" run -o "$TMP/bad" "${fast[@]}" ioexit:cpuid \
	>/dev/null 2>"$TMP/bad.err"
ok $? "a run whose chart fails still exits 0"
bad=$(ls -d "$TMP"/bad/*/ | head -1)
like "$bad/summary.md" 'gnuplot failed' "summary.md says the chart failed"
like "$TMP/bad.err" 'chart exits' "...and so does stderr"
KVMBENCH_GNUPLOT=/nonexistent/gnuplot timeout 120 "$KB" run -o "$TMP/nognu" "${fast[@]}" ioexit:cpuid \
	>/dev/null 2>&1
ok $? "a run without gnuplot exits 0"
nognu=$(ls -d "$TMP"/nognu/*/ | head -1)
ok $([ ! -e "$nognu/charts" ]; echo $?) "...and has no charts"
like "$nognu/summary.md" 'gnuplot is not installed' "summary.md says why"

timeout 120 "$KB" run -o "$TMP/none" -p samples=3 smp:bringup >/dev/null 2>&1
ok $? "a run with no figure to chart exits 0"
none=$(ls -d "$TMP"/none/*/ | head -1)
ok $([ ! -e "$none/charts" ]; echo $?) "...leaves no charts directory"
like "$none/summary.md" '^None: this run has no figure with a chart' "...and summary.md says so"
"$KB" plot "$none" >"$TMP/none.out" 2>"$TMP/none.err"
ok $? "kvmbench plot on it exits 0"
like "$TMP/none.err" 'nothing to chart' "...saying there is nothing to chart"

"$KB" plot --help >"$TMP/help" 2>&1
ok $? "plot --help exits 0"
like "$TMP/help" '^Exit status' "...and documents the exit status"
"$KB" help plot | cmp -s - "$TMP/help"
ok $? "kvmbench help plot says the same"
"$KB" --help | grep -q '^  plot RESULTS_DIR'
ok $? "kvmbench --help lists plot"
done_testing
