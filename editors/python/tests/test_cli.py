"""The `switchboard-chat` console script, run as a user would (a subprocess with the daemon in
$SWITCHBOARD); what it sent is read back from the echo upstream's log."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import upstream  # noqa: E402

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG = os.environ.get("SWITCHBOARD_TEST_PNG")


def run(*args, stdin=""):
    environment = {**os.environ, "SWITCHBOARD": os.environ.get("SWITCHBOARD_BIN", "switchboard")}
    return subprocess.run(
        [sys.executable, os.path.join(HERE, "switchboard_cli.py"), *args],
        input=stdin, capture_output=True, text=True, env=environment, timeout=60,
    )


class CommandLineTests(unittest.TestCase):
    def test_the_question_streams_to_stdout(self):
        done = run("What", "is", "2+2?")
        self.assertEqual((done.returncode, done.stdout), (0, "echo: What is 2+2?\n"))

    def test_stdin_files_system_prompt_and_model_reach_the_upstream(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
            file.write("context from a file\n")
        self.addCleanup(os.remove, file.name)
        done = run("-s", "Be terse.", "-m", "gpt-4o", "-f", file.name, "Summarise", stdin="piped text\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        body = upstream.chat_requests()[-1]
        self.assertEqual(body["model"], "gpt-4o")
        self.assertEqual(body["messages"][0], {"role": "system", "content": "Be terse."})
        self.assertEqual(
            body["messages"][1]["content"],
            f"Summarise\n\nStandard input:\n```\npiped text\n```\n\nFile: {file.name}\n```\ncontext from a file\n```",
        )

    @unittest.skipUnless(PNG, "SWITCHBOARD_TEST_PNG is not set")
    def test_images_become_image_parts(self):
        done = run("-i", PNG, "What is it?")
        self.assertEqual(done.stdout, "echo: What is it? [1 image]\n")
        parts = upstream.chat_requests()[-1]["messages"][0]["content"]
        self.assertTrue(parts[1]["image_url"]["url"].startswith("data:image/png;base64,"))

    def test_a_reader_that_stops_ends_it_quietly_and_cancels_the_stream(self):
        environment = {**os.environ, "SWITCHBOARD": os.environ.get("SWITCHBOARD_BIN", "switchboard")}
        process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "switchboard_cli.py"), "SLOW", "a", "long", "answer", "for", "head"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
        )
        self.assertEqual(process.stdout.read(3), b"ech")
        process.stdout.close()  # as `| head -c 3` does
        _, stderr = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 141)
        self.assertNotIn(b"Traceback", stderr)
        self.assertNotIn(b"BrokenPipe", stderr)
        self.assertTrue(upstream.wait_until(lambda: upstream.log()["open_connections"] == 0), "the stream still runs upstream")

    def test_errors_go_to_stderr_with_exit_code_1(self):
        done = run("FAIL401")
        self.assertEqual(done.returncode, 1)
        self.assertIn("Incorrect API key provided", done.stderr)
        self.assertEqual(run().returncode, 2)


if __name__ == "__main__":
    unittest.main()
