"""superspike from Python: run trainings with the Node simulator and read them as numpy arrays.

    import superspike
    run = superspike.train({"hidden": [16], "blocks": 2}, out="out", workers=2)
    t, i = run.spikes("output")       # spike times (s, float64) and neuron ids (int32)
    W = run.weights("multi_hidden", "output")   # [post, pre]
    superspike.raster(run, "output")  # needs matplotlib

The simulator is the Node package; this one calls its command line (see `cli.find_cli`).
"""
from .cli import SuperspikeError, find_cli, run_cli
from .run import Run, load, train
from .plot import raster

__version__ = "0.1.0"
__all__ = ["Run", "SuperspikeError", "find_cli", "load", "raster", "run_cli", "train", "__version__"]
