"""The conversation helpers (`client.conversations`) against the real daemon ($SWITCHBOARD_BIN)
and the echo upstream ($OPENAI_BASE_URL), with a store in a fresh XDG_DATA_HOME."""

import asyncio
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from switchboard_client import AsyncClient, Client, SwitchboardError  # noqa: E402

BINARY = os.environ.get("SWITCHBOARD_BIN", "switchboard")


def turn(text, conversation_id):
    return {"conversation_id": conversation_id, "messages": [{"role": "user", "content": text}]}


class ConversationHelperTests(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="switchboard-py-store-")
        self.addCleanup(shutil.rmtree, self.data, True)

    def start(self):
        client = Client(binary=BINARY, env={"XDG_DATA_HOME": self.data})
        self.addCleanup(client.close)
        return client

    def test_a_conversation_goes_on_and_every_helper_reaches_its_method(self):
        client = self.start()
        first = client.request("chat.complete", turn("What is a monad?", "new"), timeout=30)
        conversation = first["conversation_id"]
        client.request("chat.complete", turn("In plain words?", conversation), timeout=30)
        listed = client.conversations.list(limit=5)["conversations"]
        self.assertEqual([(c["id"], c["title"], c["message_count"]) for c in listed], [(conversation, "What is a monad?", 4)])
        self.assertEqual(client.conversations.list(before=conversation), {"conversations": []})
        messages = client.conversations.get(conversation)["messages"]
        self.assertEqual([m["content"] for m in messages],
                         ["What is a monad?", "echo: What is a monad?", "In plain words?", "echo: In plain words?"])
        hits = client.conversations.search("plain", limit=10)["results"]
        self.assertEqual({hit["message_index"] for hit in hits}, {2, 3})
        fork = client.conversations.fork(conversation, at=2)
        self.assertEqual((fork["message_count"], fork["forked_from"]), (2, conversation))
        self.assertEqual(client.conversations.rename(conversation, "Monads")["title"], "Monads")
        markdown = client.conversations.export(conversation)["content"]
        self.assertTrue(markdown.startswith("## You\nWhat is a monad?\n\n## Assistant\necho: What is a monad?\n"))
        self.assertEqual(client.conversations.export(conversation, format="json")["content"]["title"], "Monads")
        self.assertEqual(client.conversations.delete(conversation), {"id": conversation, "deleted": True})
        with self.assertRaises(SwitchboardError) as caught:
            client.conversations.get(conversation)
        self.assertEqual((caught.exception.code, caught.exception.data), (-32602, {"field": "id"}))

    def test_the_async_client_has_the_same_helpers(self):
        async def run():
            async with AsyncClient(binary=BINARY, env={"XDG_DATA_HOME": self.data}) as client:
                started = await client.request("chat.complete", turn("hello", "new"), timeout=30)
                listed = await client.conversations.list()
                return started["conversation_id"], listed["conversations"]

        conversation, listed = asyncio.run(run())
        self.assertEqual([c["id"] for c in listed], [conversation])


if __name__ == "__main__":
    unittest.main()
