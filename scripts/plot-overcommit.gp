# plot-overcommit.gp - CPU overcommit (kvmbench plot): a figure of
# smp:overcommit against vCPUs per host CPU, a line per pattern (many-vms:
# N VMs of 1 vCPU; one-vm: 1 VM of N vCPUs) and figure; log x, log y.
# Points are medians over the samples (over every vCPU for progress),
# error bars run from the lowest to the 99th percentile.
#
#   gnuplot -e "datafile='D'; outfile='O'; term='svg'; title='T'; \
#               subtitle='S'; ylabel='Y'; n=N; lcs='1 2'; pts='7 5'; dts='1 2'" \
#           plot-overcommit.gp
#
# D: N blocks as for plot-pagewalk.gp, x being the overcommit ratio.
# Optional ymin, ymax: the log y axis's range (kvmbench gives whole decades).
if (term eq 'svg') {
	set terminal svg size 1200,800 dynamic noenhanced font 'Sans,13'
} else {
	set terminal pngcairo size 1200,800 noenhanced font 'Sans,12'
}
set encoding utf8
set output outfile
set title title."\n".subtitle
set xlabel 'vCPUs per host CPU (overcommit ratio, log scale)'
set ylabel ylabel
set logscale x 2
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
set format x '%g'
set grid xtics ytics mytics lc rgb '#dddddd'
set key below horizontal Left reverse maxcols 3 width 2 height 1
set offsets graph 0.03, graph 0.03, 0, 0
set bars small
plot for [i=1:n] datafile index (i-1) using 1:2:3:4 with yerrorlines \
	lc int(word(lcs, i)) pt int(word(pts, i)) dt int(word(dts, i)) lw 2 ps 1.2 \
	title columnheader(1)
