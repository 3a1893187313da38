# plot-generic.gp - one metric against one knob or parameter (kvmbench plot
# --metric NAME --knob COLUMN): a line per combination of the other
# settings that vary; points are medians, error bars run from the fastest
# sample to the 99th percentile.
#
#   gnuplot -e "datafile='D'; outfile='O'; term='svg'; title='T'; \
#               subtitle='S'; xlabel='X'; ylabel='Y'; xcat=0; xlog=0; \
#               ylog=1; n=N; lcs='1 2'; pts='7 5'; dts='1 1'" plot-generic.gp
#
# D: N blocks as for plot-pagewalk.gp (x median min p99 samples label).
# xcat=1: the x values are categories, placed at 0, 1, 2... and labelled
# from the last column; xlog=1: a numeric x on a log scale; ylog=1: log y.
# Optional ymin, ymax: the log y axis's range (kvmbench gives whole decades).
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic noenhanced font 'Sans,13'
} else {
	set terminal pngcairo size 1200,800 noenhanced font 'Sans,12'
}
set encoding utf8
set output outfile
set title title."\n".subtitle
set xlabel xlabel
set ylabel ylabel
if (xlog) { set logscale x 2; set format x '%g' }
# (integer powers: tics at exact decades)
p10(e) = e >= 0 ? 10**e : 1.0 / 10**(-e)
lab(e) = e < 3 ? sprintf('%g', p10(e)) : e < 6 ? sprintf('%dk', p10(e - 3)) : \
	 e < 9 ? sprintf('%dM', p10(e - 6)) : sprintf('%dG', p10(e - 9))
if (ylog) {
	set logscale y 10
	set ytics ('1' 1)
	do for [e=-3:12] { set ytics add (lab(e) p10(e)) }
	# ymin, ymax: whole decades (a hair wider: a tic right on the edge loses its label)
	if (exists('ymin')) { set yrange [ymin * 0.999:ymax * 1.001] }
	set offsets graph 0.05, graph 0.05, 0, 0
} else {
	set yrange [0:*]
	set offsets graph 0.05, graph 0.05, graph 0.05, 0
}
set grid xtics ytics lc rgb '#dddddd'
set key below horizontal Left reverse maxcols 3 width 2 height 1
set bars small
if (xcat) {
	set xtics rotate by 30 right nomirror
	plot for [i=1:n] datafile index (i-1) using 1:2:3:4:xtic(6) with yerrorlines \
		lc int(word(lcs, i)) pt int(word(pts, i)) dt int(word(dts, i)) lw 2 ps 1.2 \
		title columnheader(1)
} else {
	plot for [i=1:n] datafile index (i-1) using 1:2:3:4 with yerrorlines \
		lc int(word(lcs, i)) pt int(word(pts, i)) dt int(word(dts, i)) lw 2 ps 1.2 \
		title columnheader(1)
}
