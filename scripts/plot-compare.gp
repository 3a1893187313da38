# plot-compare.gp - the significant changes of `kvmbench compare`: one
# horizontal bar per metric, its change in percent of A's median; red a
# regression, green an improvement, grey a change the unit does not judge
# or the host's drift explains.  Worst regression on top.
#
#   gnuplot -e "datafile='D'; outfile='O'; term='svg'; title='T'; \
#               subtitle='S'; n=N" plot-compare.gp
#
# D is a table: a header line, then one line per metric: its label (case
# and metric, quoted), the change in percent, and a class (1 regressed,
# 2 improved, 3 changed, 4 host-drift).  N: the number of metrics.
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic noenhanced font 'Sans,12'
} else {
	set terminal pngcairo size 1200,800 noenhanced font 'Sans,11'
}
set encoding utf8
set output outfile
set title title."\n".subtitle
set style fill solid 0.8 border -1
set xlabel 'change of the median, % of A (right: larger figure in B)'
set grid xtics lc rgb '#dddddd'
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb '#333333'
set yrange [n - 0.5:-0.5]
# room on both sides of the longest bar, and 0 always in view
set xrange [*<0:0<*]
set offsets graph 0.05, graph 0.05, 0, 0
set ytics nomirror font ',10'
set lmargin 60
set key outside top center horizontal
colour(c) = c == 1 ? 0xd62728 : c == 2 ? 0x2ca02c : 0x999999
plot datafile skip 1 using (column(2) / 2):0:(abs(column(2)) / 2):(0.3):(colour(column(3))):ytic(1) \
	with boxxyerror lc rgb variable notitle, \
	NaN with boxes lc rgb '#d62728' title 'regressed', \
	NaN with boxes lc rgb '#2ca02c' title 'improved', \
	NaN with boxes lc rgb '#999999' title 'changed or host-drift'
