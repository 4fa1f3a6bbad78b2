"""A minimal Switchboard client for the example scripts: the Python standard library only.

It spawns the daemon (`$SWITCHBOARD`, default `switchboard` on PATH; the daemon itself reads
OPENAI_API_KEY and OPENAI_BASE_URL) and speaks JSON-RPC 2.0 over its stdin and stdout, one JSON
text per line (NDJSON). Requests are sent one at a time, so every line read before the response
belongs to the current request.
"""
import json
import os
import subprocess
import sys


class SwitchboardError(Exception):
    """A JSON-RPC error response: `code`, `message` and `data` as the daemon sent them."""

    def __init__(self, error):
        super().__init__(f"{error.get('message')} (code {error.get('code')})")
        self.code = error.get("code")
        self.data = error.get("data")


class Switchboard:
    def __init__(self, binary=None):
        binary = binary or os.environ.get("SWITCHBOARD", "switchboard")
        self._process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, encoding="utf-8", bufsize=1)
        self._next_id = 0

    def request(self, method, params=None, on_notification=None):
        """Sends one request; returns its result or raises SwitchboardError.

        `on_notification(method, params)` is called for each notification (chat.delta,
        responses.event, completions.delta, $/progress) that arrives before the response.
        """
        self._next_id += 1
        message = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()
        for line in self._process.stdout:
            incoming = json.loads(line)
            if "method" in incoming:
                if on_notification:
                    on_notification(incoming["method"], incoming.get("params", {}))
            elif incoming.get("id") == self._next_id:
                if "error" in incoming:
                    raise SwitchboardError(incoming["error"])
                return incoming["result"]
        raise SwitchboardError({"code": None, "message": "the daemon exited without answering"})

    def close(self):
        """Ends the daemon's input; it finishes and exits 0."""
        self._process.stdin.close()
        return self._process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run(main):
    """Runs `main(switchboard)`; an error response is printed to stderr and exits 1."""
    try:
        with Switchboard() as switchboard:
            main(switchboard)
    except SwitchboardError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except FileNotFoundError as error:
        print(f"error: cannot start switchboard ({error}); set SWITCHBOARD or put it on PATH", file=sys.stderr)
        sys.exit(1)
