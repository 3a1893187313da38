# plot-ratio.gp - virtual / native page-walk cost against working set
# (kvmbench plot): the ratio of the guest's median to its native twin's,
# a line per guest page size x host backing; 1 is native speed.
#
#   gnuplot -e "datafile='D'; outfile='O'; term='svg'; title='T'; \
#               subtitle='S'; n=N; lcs='1 2'; pts='7 5'; dts='1 1'" \
#           plot-ratio.gp
#
# D is laid out as for plot-pagewalk.gp (ws_mb median min p99 samples):
# one ratio per case, so with repeats the bars span the repeats.
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic noenhanced font 'Sans,13'
} else {
	set terminal pngcairo size 1200,800 noenhanced font 'Sans,12'
}
set encoding utf8
set output outfile
set title title."\n".subtitle
set xlabel 'working set (MiB, log scale)'
set ylabel 'virtual / native (ratio of the medians; 1 = native speed)'
set logscale x 2
set format x '%g'
set yrange [0:*]
set grid xtics ytics lc rgb '#dddddd'
set key below horizontal Left reverse maxcols 3 width 2 height 1
set offsets graph 0.03, graph 0.03, graph 0.05, 0
set bars small
plot for [i=1:n] datafile index (i-1) using 1:2:3:4 with yerrorlines \
	lc int(word(lcs, i)) pt int(word(pts, i)) dt int(word(dts, i)) lw 2 ps 1.2 \
	title columnheader(1), \
	1 with lines lc rgb '#777777' dt 3 lw 1.5 title 'native (1)'
