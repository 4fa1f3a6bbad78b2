"""The type hints: a user's script (tests/typed/user_script.py) passes `mypy --strict` against the
client, which ships them (PEP 561: `py.typed` in the package). Runs when mypy is installed in this
Python or $SWITCHBOARD_MYPY names a mypy program (.ci/run installs one); skipped otherwise."""

import importlib.util
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _mypy():
    if os.environ.get("SWITCHBOARD_MYPY"):
        return [os.environ["SWITCHBOARD_MYPY"]]
    if importlib.util.find_spec("mypy") is not None:
        return [sys.executable, "-m", "mypy"]
    return None


class TypingTests(unittest.TestCase):
    def test_the_package_is_marked_typed(self):
        self.assertTrue(os.path.isfile(os.path.join(HERE, "switchboard_client", "py.typed")))

    @unittest.skipUnless(_mypy(), "mypy is not installed (set SWITCHBOARD_MYPY)")
    def test_a_users_script_and_the_client_pass_mypy_strict(self):
        cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"switchboard-mypy-cache-{os.getpid()}")
        self.addCleanup(shutil.rmtree, cache, True)
        done = subprocess.run(
            [*_mypy(), "--strict", "--cache-dir", cache, "switchboard_client", "switchboard_cli.py",
             os.path.join("tests", "typed", "user_script.py")],
            capture_output=True, text=True, cwd=HERE, env={**os.environ, "MYPYPATH": HERE}, timeout=300,
        )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


if __name__ == "__main__":
    unittest.main()
