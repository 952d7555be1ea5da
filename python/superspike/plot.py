"""Spike rasters with matplotlib, which is optional: imported only when a raster is drawn."""
from .cli import SuperspikeError


def raster(run, group="output", ax=None, start=None, stop=None, **style):
    """Draws `group`'s spikes (time in s against neuron id) on `ax` (default: a new figure); returns ax."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise SuperspikeError("superspike.raster needs matplotlib: pip install matplotlib") from err
    t, i = run.spikes(group)
    keep = ((t >= start) if start is not None else True) & ((t < stop) if stop is not None else True)
    if keep is not True:
        t, i = t[keep], i[keep]
    if ax is None:
        ax = plt.figure().add_subplot()
    ax.scatter(t, i, s=style.pop("s", 2), marker=style.pop("marker", "|"), color=style.pop("color", "k"), **style)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("%s neuron" % group)
    return ax
