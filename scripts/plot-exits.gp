# plot-exits.gp - cost per exit type (kvmbench plot): clustered bars, one
# cluster per operation (outb, mmio_read4, cpuid...), one bar per privilege
# level it ran at (cpl0, cpl3); bars are medians, error bars run from the
# fastest sample to the 99th percentile; log y.
#
#   gnuplot -e "datafile='D'; outfile='O'; term='svg'; title='T'; \
#               subtitle='S'; n=N" plot-exits.gp
#
# D is a table: a header line (operation, then LEVEL LEVEL_min LEVEL_p99 for
# each of the N levels), one line per operation; '?' where an operation
# did not run at a level.
# Optional ymin, ymax: the log y axis's range (kvmbench gives whole decades).
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic noenhanced font 'Sans,13'
} else {
	set terminal pngcairo size 1200,800 noenhanced font 'Sans,12'
}
set encoding utf8
set output outfile
set title title."\n".subtitle
set datafile missing '?'
set style data histograms
set style histogram errorbars gap 1 lw 1.5
set style fill solid 0.75 border -1
set boxwidth 0.9
set logscale y 10
# decades labelled 0.1, 1, 10, 100, 1k ... 1M: %g would write 1e+06
# (integer powers: tics at exact decades)
p10(e) = e >= 0 ? 10**e : 1.0 / 10**(-e)
lab(e) = e < 3 ? sprintf('%g', p10(e)) : e < 6 ? sprintf('%dk', p10(e - 3)) : \
	 e < 9 ? sprintf('%dM', p10(e - 6)) : sprintf('%dG', p10(e - 9))
set ytics ('1' 1)
do for [e=-3:12] { set ytics add (lab(e) p10(e)) }
# ymin, ymax: whole decades (a hair wider: a tic right on the edge loses its label)
if (exists('ymin')) { set yrange [ymin * 0.999:ymax * 1.001] }
set ylabel 'ns per operation (log scale)'
set xlabel 'operation'
set xtics rotate by 45 right nomirror
set grid ytics lc rgb '#dddddd'
set key outside top right vertical Left reverse title 'ran at'
plot for [i=1:n] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
	lc i title columnheader(3*i-1)
