"""A run's results as named numpy arrays: `train()` runs one, `load()` reads a folder or `.npz`.

The arrays are those of `superspike export` (docs/python.md): metadata (`version`, `config`,
`units`, `dt`), `mse`, spikes as `t_spikes_<group>` / `i_spikes_<group>`, weights `[post, pre]`,
recorded monitors with their sample times and column ids. A folder is exported to
`<folder>/run.npz` first, so the file format is defined in one place (the Node package).
"""
import json
import os
import tempfile

import numpy as np

from .cli import SuperspikeError, run_cli

# Roles of the groups, as `superspike run --record` and `plot --group` accept them.
_ROLES = {"input": "multi_stim", "hidden": "multi_hidden", "output": "output", "target": "target"}


class Run:
    """One run's arrays (`run["name"]`, `run.arrays`) with the metadata decoded."""

    def __init__(self, arrays, source=None):
        self.arrays = dict(arrays)
        self.source = source
        text = lambda name, default: str(self.arrays[name]) if name in self.arrays else default
        self.version = text("version", None)
        self.config = json.loads(text("config", "null"))
        self.units = json.loads(text("units", "{}"))
        self.dt = float(self.arrays["dt"]) if "dt" in self.arrays else None
        self.mse = self.arrays.get("mse")

    def __getitem__(self, name):
        return self.arrays[name]

    def __contains__(self, name):
        return name in self.arrays

    @property
    def groups(self):
        """Groups with spike arrays, by file name (multi_stim, multi_hidden, …, output, target)."""
        return [k[len("t_spikes_"):] for k in self.arrays if k.startswith("t_spikes_")]

    def _group(self, group):
        return _ROLES.get(group, group)

    def spikes(self, group="output"):
        """(t, i): spike times in seconds (float64) and neuron ids (int32), ordered by (time, id)."""
        g = self._group(group)
        if "t_spikes_" + g not in self.arrays:
            raise KeyError("no spikes of %r in this run (groups: %s)" % (group, ", ".join(self.groups)))
        return self.arrays["t_spikes_" + g], self.arrays["i_spikes_" + g]

    def weights(self, pre, post):
        """Final weights of the connection pre → post as W[post, pre] (float32)."""
        name = "weights_%s_to_%s" % (self._group(pre), self._group(post))
        if name not in self.arrays:
            raise KeyError("no %s in this run" % name)
        return self.arrays[name]

    def monitor(self, kind, group):
        """(t, values, ids, unit) of a recorded monitor (`run --record KIND:GROUP`); ids is None for rates."""
        name = "%s_%s" % (kind, self._group(group))
        if name not in self.arrays:
            recorded = sorted(k[2:] for k in self.arrays if k.startswith("t_") and not k.startswith("t_spikes_"))
            raise KeyError("no monitor %s in this run (recorded: %s)" % (name, ", ".join(recorded) or "none"))
        return self.arrays["t_" + name], self.arrays[name], self.arrays.get("ids_" + name), self.units.get(name, "")

    def __repr__(self):
        return "Run(%r, %d arrays, superspike %s)" % (self.source, len(self.arrays), self.version)


def load(path, cli=None, spikes=True):
    """Reads a run: a `.npz` written by `superspike export`, or a run folder (exported to FOLDER/run.npz)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        npz = os.path.join(path, "run.npz")
        run_cli(["export", path, "-o", npz] + ([] if spikes else ["--no-spikes"]), cli=cli)
        path = npz
    elif not path.endswith(".npz"):
        raise SuperspikeError("%s: expected a run folder or a .npz file" % path)
    with np.load(path) as z:
        return Run({k: z[k] for k in z.files}, source=path)


def _config_file(config, folder):
    """A config argument as a file path: a path as is, a dict written to a JSON file in `folder`."""
    if isinstance(config, (str, os.PathLike)):
        return os.fspath(config)
    if not isinstance(config, dict):
        raise SuperspikeError("config must be a file path, a dict or None, got %s" % type(config).__name__)
    config = dict(config)
    # As train() in Node: relative input/target paths are taken from the working folder.
    for key in ("input", "target"):
        if isinstance(config.get(key), str):
            config[key] = os.path.abspath(config[key])
    fd, name = tempfile.mkstemp(prefix="superspike-config-", suffix=".json", dir=folder)
    with os.fdopen(fd, "w") as f:
        json.dump(config, f)
    return name


def train(config=None, out="output", workers=None, cli=None, quiet=True, args=()):
    """Trains with `superspike run` and returns the run (`load(out)`).

    config: None (the CLI's default task), a config file path, or a dict of config keys.
    workers: rank threads (default: the CLI's, the core count). args: more CLI flags, e.g.
    ["--record", "membrane:output@all"].
    """
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="superspike-")
    try:
        command = ["run"]
        if config is not None:
            command.append(_config_file(config, tmp))
        command += ["-o", os.fspath(out)]
        if workers is not None:
            command += ["--workers", int(workers)]
        if quiet:
            command.append("-q")
        run_cli(command + list(args), cli=cli, quiet=quiet)
    finally:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    return load(out, cli=cli)
