"""The plots of ./bursar bench (tools/bench_report.py), drawn with matplotlib
from the rows of build/bench/bench.json:
  revoke_tree_size.png     revoke cost against tree size (whole call, per record)
  production_vs_global.png the production kernel over the global-allocator baseline, row by row
  heap_amortised.png       a create's cost, heap faults included, against the high watermark
  bursar_vs_wrapper.png    the declared Bursar/wrapper pairs, once their rows exist
A plot whose rows are missing is not drawn (and says so)."""
import os
import re

COLOURS = {"fast": "tab:blue", "slow": "tab:gray", "global": "tab:orange"}
RATIO_TARGET = 1.10          # issue 13: production within 10% of the global-allocator kernel


def rows_of(document):
    """{kernel: {row: fields}}."""
    table = {}
    for row in document["rows"]:
        table.setdefault(row["kernel"], {})[row["name"]] = row
    return table


def production_and_baseline(rows):
    """The kernels the curves compare: production (the fast-path kernel, else the slow-path one) and the
    global-allocator baseline; the two production kernels differ only in IPC."""
    production = "fast" if "fast" in rows else "slow"
    return {k: rows[k] for k in (production, "global") if k in rows}


def labels_of(document):
    return {k["key"]: k["label"] for k in document["kernels"]}


def plot_revoke(plt, rows, labels, path):
    pattern = re.compile(r"revoke\.(cap|memory)\.(\d+)$")
    series = {}
    for kernel, kernel_rows in production_and_baseline(rows).items():
        for name, fields in kernel_rows.items():
            m = pattern.match(name)
            if m and "instructions" in fields:
                series.setdefault((m.group(1), kernel), []).append((int(m.group(2)), fields["instructions"]))
    if not series:
        return None
    figure, (whole, per) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (kind, kernel), points in sorted(series.items()):
        points.sort()
        sizes = [n for n, _ in points]
        style = dict(color=COLOURS.get(kernel), marker="o" if kind == "cap" else "s",
                     linestyle="-" if kind == "cap" else "--", label="%s records, %s kernel" % (kind, labels[kernel]))
        whole.plot(sizes, [v for _, v in points], **style)
        per.plot(sizes, [v / n for n, v in points], **style)
    whole.set(xscale="log", yscale="log", xlabel="records in the tree", ylabel="instructions, whole revoke",
              title="One revoke against tree size")
    per.set(xscale="log", xlabel="records in the tree", ylabel="instructions per record",
            title="Per record (entry and exit included)")
    per.set_ylim(bottom=0)
    for axes in (whole, per):
        axes.grid(True, which="both", alpha=0.3)
    per.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def comparison_rows(kernel_rows):
    """The rows the production/global comparison is about, in reading order."""
    names = [n for n in kernel_rows if n.startswith(("floor.", "ipc.call", "ipc.replywait", "ipc.roundtrip"))]
    names += [n for n in kernel_rows if n.startswith("object.")]
    per_record = {}
    for name in kernel_rows:
        m = re.match(r"revoke\.(cap|memory)\.(\d+)\.per-record$", name)
        if m and int(m.group(2)) > per_record.get(m.group(1), (0, None))[0]:
            per_record[m.group(1)] = (int(m.group(2)), name)
    names += [name for _, name in sorted(per_record.values())]
    names += [n for n in kernel_rows if n.startswith("ipc.item.")]
    return names


def plot_production_vs_global(plt, rows, labels, path):
    production, baseline = rows.get("fast", {}), rows.get("global", {})
    names = [n for n in comparison_rows(production) if n in baseline and baseline[n].get("instructions")]
    if not names:
        return None
    ratios = [production[n]["instructions"] / baseline[n]["instructions"] for n in names]
    figure, axes = plt.subplots(figsize=(9, 0.32 * len(names) + 1.6))
    positions = range(len(names))
    colours = ["tab:red" if r > RATIO_TARGET else "tab:blue" for r in ratios]
    axes.barh(positions, ratios, color=colours)
    for position, name, r in zip(positions, names, ratios):
        axes.text(r + 0.005, position, "%.3f  (%s / %s)" % (r, production[name]["instructions"],
                                                          baseline[name]["instructions"]),
                  va="center", fontsize=7)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.axvline(RATIO_TARGET, color="tab:red", linestyle="--", linewidth=0.8, label="target: within 10%")
    axes.set_yticks(list(positions))
    axes.set_yticklabels(names, fontsize=8)
    axes.invert_yaxis()
    low = min(ratios + [1.0])
    axes.set_xlim(max(0.0, low - 0.1), max(ratios + [RATIO_TARGET]) + 0.15)
    axes.set_xlabel("instructions, %s kernel / %s kernel (guest instructions under -icount)" %
                    (labels.get("fast", "fast"), labels.get("global", "global")))
    axes.set_title("What per-client heaps cost: production over the global-allocator baseline")
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def plot_heap_amortised(plt, rows, labels, path):
    pattern = re.compile(r"heap\.amortised\.([\w-]+)\.w(\d+)$")
    series = {}
    for kernel, kernel_rows in production_and_baseline(rows).items():
        for name, fields in kernel_rows.items():
            m = pattern.match(name)
            if m and "instructions" in fields:
                series.setdefault((m.group(1), kernel), []).append((int(m.group(2)), fields))
    if not series:
        return None
    no_fault = {"endpoint": "heap.create.nofault", "thread": "object.thread.create"}
    figure, axes = plt.subplots(figsize=(8, 4.5))
    markers = {}
    for (kind, kernel), points in sorted(series.items()):
        points.sort(key=lambda p: p[0])
        marker = markers.setdefault(kind, "os^vD"[len(markers) % 5])
        label = "%s (%s kernel)" % (kind, labels.get(kernel, kernel))
        line, = axes.plot([w for w, _ in points], [f["instructions"] for _, f in points], marker=marker,
                          color=COLOURS.get(kernel), linestyle="-" if kind == "thread" else "--", label=label)
        for w, fields in points:
            if "faults" in fields:
                axes.annotate("%g" % fields["faults"], (w, fields["instructions"]), fontsize=7,
                              textcoords="offset points", xytext=(0, 6), ha="center")
        floor = rows.get(kernel, {}).get(no_fault.get(kind, ""), {}).get("instructions")
        if floor:
            axes.axhline(floor, color=line.get_color(), linestyle=":", linewidth=0.8)
            axes.annotate("%s create, no fault: %s" % (kind, floor), (0, floor), fontsize=7,
                          textcoords="offset points", xytext=(2, -9))
    axes.set_xscale("symlog", linthresh=1)
    ticks = sorted({w for points in series.values() for w, _ in points})
    axes.set_xticks(ticks)
    axes.set_xticklabels([str(t) for t in ticks])
    axes.set_xlim(-0.3, max(ticks) * 1.3)
    axes.set_ylim(bottom=0)
    axes.set(xlabel="high watermark W (a fault asks for what it needs plus W pages)",
             ylabel="instructions per create, faults included",
             title="Heap faults amortised by the watermark (labels: faults per batch)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def plot_wrapper_pairs(plt, rows, labels, path):
    """Each declared pair on each kernel that has both rows: Bursar's bar beside the wrapper's, in guest
    instructions and in kernel entries (log scales: a call and a delegation cycle differ 500-fold), each
    wrapper bar marked with its ratio to Bursar's; the plain call's figure as a line where the pair has one."""
    from bench_report import WRAPPER_PAIRS
    bars = []
    for kernel in ("fast", "slow", "global"):
        kernel_rows = rows.get(kernel, {})
        for what, bursar, wrapper, plain in WRAPPER_PAIRS:
            b, w = kernel_rows.get(bursar, {}), kernel_rows.get(wrapper, {})
            if b.get("instructions") and w.get("instructions"):
                bars.append(("%s\n(%s kernel)" % (what, labels.get(kernel, kernel)), b, w,
                             kernel_rows.get(plain, {}) if plain else {}))
    if not bars:
        return None
    figure, panels = plt.subplots(1, 2, figsize=(max(9, 2.4 * len(bars)), 5.2))
    for axes, key, unit, floor in ((panels[0], "instructions", "guest instructions", 10),
                                   (panels[1], "entries", "kernel entries", 1)):
        for i, (what, b, w, p) in enumerate(bars):
            if not (b.get(key) and w.get(key)):
                continue
            axes.bar(i - 0.2, b[key], 0.4, color="tab:blue", label="Bursar (revocable copy)" if i == 0 else None)
            axes.bar(i + 0.2, w[key], 0.4, color="tab:green", label="wrapper (servers/wrapper)" if i == 0 else None)
            axes.annotate("%.1fx" % (w[key] / b[key]), (i + 0.2, w[key]), ha="center", textcoords="offset points",
                          xytext=(0, 3), fontsize=8)
            if p.get(key):
                axes.hlines(p[key], i - 0.4, i + 0.4, colors="black", linestyles="dotted",
                            label="plain call" if key == "instructions" and i == 0 else None)
        axes.set_yscale("log")
        axes.set_ylim(floor, axes.get_ylim()[1] * 3)       # bars from a common floor; room for the ratios
        axes.set_xticks(range(len(bars)))
        axes.set_xticklabels([what for what, _, _, _ in bars], fontsize=7, rotation=30, ha="right")
        axes.set_ylabel("%s (log scale)" % unit)
        axes.set_title("per operation: %s" % unit)
    figure.suptitle("Bursar vs the wrapper design: a call, the delegation cycle, authority per message")
    figure.legend(*panels[0].get_legend_handles_labels(), loc="upper center", ncol=3, fontsize=8,
                  bbox_to_anchor=(0.5, 0.94))
    figure.tight_layout(rect=(0, 0, 1, 0.9))
    figure.savefig(path, dpi=110)
    return path


PLOTS = [("revoke_tree_size.png", plot_revoke), ("production_vs_global.png", plot_production_vs_global),
         ("heap_amortised.png", plot_heap_amortised), ("bursar_vs_wrapper.png", plot_wrapper_pairs)]


def plot_all(document, directory):
    """Draw every plot its rows allow; the paths written."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plots: matplotlib is missing (Debian's python3-matplotlib; ./bursar installs it)")
        return []
    rows, labels = rows_of(document), labels_of(document)
    written = []
    for name, plot in PLOTS:
        path = plot(plt, rows, labels, os.path.join(directory, name))
        plt.close("all")
        if path:
            written.append(path)
        else:
            print("plots: no rows for %s yet" % name)
    return written
