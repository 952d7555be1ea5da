"""Finding and calling superspike's command line (Node): the one place this package runs it."""
import os
import shlex
import shutil
import subprocess


class SuperspikeError(RuntimeError):
    """The command line refused or failed; the message is its one-line error."""


def find_cli(cli=None):
    """The command that runs superspike's CLI, as a list of words.

    In order: the `cli` argument (a string or list, e.g. "node /path/dist/src/cli/main.js"), the
    environment variable SUPERSPIKE_CLI, `superspike` on PATH (npm install -g, or a project's
    node_modules/.bin on PATH), then `npx --no-install superspike` (a Node project that depends
    on superspike, or a superspike checkout, as the working folder).
    """
    if cli is None:
        cli = os.environ.get("SUPERSPIKE_CLI")
    if cli:
        return shlex.split(cli) if isinstance(cli, str) else list(cli)
    found = shutil.which("superspike")
    if found:
        return [found]
    npx = shutil.which("npx")
    if npx:
        return [npx, "--no-install", "superspike"]
    raise SuperspikeError(
        "superspike's command line not found: install Node >= 20 and superspike "
        "(npm install superspike), or set SUPERSPIKE_CLI to e.g. 'node /path/to/superspike/dist/src/cli/main.js'"
    )


def run_cli(args, cli=None, quiet=True):
    """Runs `superspike ARGS…`; returns its stdout. A failure raises SuperspikeError with the CLI's message."""
    command = find_cli(cli) + [str(a) for a in args]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE if quiet else None, text=True)
    if done.returncode != 0:
        lines = [l for l in (done.stderr or "").splitlines() if l.strip()]
        why = lines[-1] if lines else "exit status %d" % done.returncode
        raise SuperspikeError(why)
    return done.stdout
