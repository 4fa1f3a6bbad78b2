import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("midjourney.modal, .simpleChange, .shorten, .swapFace, .uploadImages end to end")
struct MidjourneyMoreTests {
    static var pngDataURL: String { "data:image/png;base64," + Data(DescribeImageTests.pngBytes).base64EncodedString() }

    /// A task that stopped at MODAL (Vary (Region) pressed): the input it waits for.
    static func modalTask() -> JSONValue {
        var task = MJ.task("MODAL", "0%")
        task["action"] = "VARIATION"
        return task
    }

    @Test func aTaskStoppedAtModalIsContinuedWithTheMaskAndPromptAndWaitedFor() throws {
        let mask = try DescribeImageTests.temporaryFile("mask.png", DescribeImageTests.pngBytes)
        let harness = try Harness(responses: [MJ.submit(code: 1), .json(Self.modalTask()), MJ.submit(code: 1, result: "1712345678909999"),
                                              MJ.fetched("SUCCESS", "100%")])
        let (pressed, _) = try harness.daemon.call("midjourney.action", ["taskId": .string(MJ.taskID), "customId": "MJ::Inpaint::1::abc::SOLO",
                                                                         "wait": true, "poll_interval_seconds": 0.1])
        let (continued, before) = try harness.daemon.call("midjourney.modal", ["taskId": .string(MJ.taskID), "prompt": "a hat", "mask": .string(mask),
                                                                               "mode": "relax", "wait": true, "poll_interval_seconds": 0.1], id: 2)
        try harness.finish()
        #expect(pressed["result"]?["task"]?["status"] == "MODAL", "the wait stops at MODAL")
        #expect(MJ.progress(before).map(\.0) == ["SUCCESS"])
        #expect(continued["result"]?["task_id"] == "1712345678909999")
        #expect(continued["result"]?["task"]?["status"] == "SUCCESS")
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/submit/action", "/mj/task/\(MJ.taskID)/fetch", "/mj-relax/mj/submit/modal",
                                         "/mj-relax/mj/task/1712345678909999/fetch"])
        #expect(requests[2].json == ["taskId": .string(MJ.taskID), "prompt": "a hat", "maskBase64": .string(Self.pngDataURL)])
    }

    @Test func modalChecksItsParamsBeforeSending() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)])
        let (noTask, _) = try harness.daemon.call("midjourney.modal", ["prompt": "a hat"])
        let (both, _) = try harness.daemon.call("midjourney.modal", ["taskId": "1", "mask": "/tmp/m.png", "maskBase64": "data:image/png;base64,AA=="], id: 2)
        let (missing, _) = try harness.daemon.call("midjourney.modal", ["taskId": "1", "mask": "/nonexistent/mask.png"], id: 3)
        let (promptOnly, _) = try harness.daemon.call("midjourney.modal", ["taskId": "1", "prompt": "zoom out 2x"], id: 4)
        try harness.finish()
        #expect(noTask["error"]?["data"]?["field"] == "taskId")
        #expect(both["error"]?["data"]?["field"] == "mask")
        #expect(missing.errorCode == -32006)
        #expect(promptOnly["result"]?["task_id"] == .string(MJ.taskID))
        #expect(harness.upstream.requests.map(\.json) == [["taskId": "1", "prompt": "zoom out 2x"]], "only the valid call was sent")
    }

    @Test func simpleChangeSendsTheShorthandAndRefusesAnythingElse() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.submit(code: 1)])
        let (upscale, _) = try harness.daemon.call("midjourney.simpleChange", ["content": .string("\(MJ.taskID) U2"), "state": "s1"])
        let (reroll, _) = try harness.daemon.call("midjourney.simpleChange", ["content": .string("\(MJ.taskID) R")], id: 2)
        for (index, content) in ["\(MJ.taskID) U5", "U2", "\(MJ.taskID) u2", "\(MJ.taskID) U2 extra"].enumerated() {
            let (refused, _) = try harness.daemon.call("midjourney.simpleChange", ["content": .string(content)], id: .number(index + 3))
            #expect(refused["error"]?["data"]?["field"] == "content", "\(content)")
        }
        try harness.finish()
        #expect(upscale["result"]?["task_id"] == .string(MJ.taskID))
        #expect(reroll["result"]?["code"] == 1)
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/submit/simple-change", "/mj/submit/simple-change"])
        #expect(requests.map(\.json) == [["content": .string("\(MJ.taskID) U2"), "state": "s1"], ["content": .string("\(MJ.taskID) R")]])
    }

    @Test func shortenSendsThePromptAndWaitsForTheAnalysis() throws {
        var finished = MJ.task("SUCCESS", "100%")
        finished["action"] = "SHORTEN"
        finished["description"] = "1️⃣ red fox, snow --ar 16:9\n2️⃣ fox in snow"
        let harness = try Harness(responses: [MJ.submit(code: 22, properties: ["numberOfQueues": 1]), .json(finished)])
        let (response, _) = try harness.daemon.call("midjourney.shorten", ["prompt": "a beautiful red fox standing in deep white snow --ar 16:9",
                                                                           "botType": "MID_JOURNEY", "wait": true, "poll_interval_seconds": 0.1])
        let (noPrompt, _) = try harness.daemon.call("midjourney.shorten", [:], id: 2)
        try harness.finish()
        #expect(response["result"]?["task"]?["description"] == finished["description"])
        #expect(noPrompt["error"]?["data"]?["field"] == "prompt")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/mj/submit/shorten")
        #expect(request.json == ["prompt": "a beautiful red fox standing in deep white snow --ar 16:9", "botType": "MID_JOURNEY"])
    }

    @Test func swapFaceSendsBothImagesToTheInsightFaceEndpoint() throws {
        let face = try DescribeImageTests.temporaryFile("face.png", DescribeImageTests.pngBytes)
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.submit(code: 24, description: "banned", properties: ["bannedWord": "x"])])
        let (swapped, _) = try harness.daemon.call("midjourney.swapFace", ["source": .string(face), "targetBase64": "data:image/jpeg;base64,/9j/"])
        let (refused, _) = try harness.daemon.call("midjourney.swapFace", ["sourceBase64": "data:image/png;base64,AA==",
                                                                           "targetBase64": "data:image/png;base64,AA=="], id: 2)
        let (noTarget, _) = try harness.daemon.call("midjourney.swapFace", ["source": .string(face)], id: 3)
        try harness.finish()
        #expect(swapped["result"]?["task_id"] == .string(MJ.taskID))
        #expect(refused.errorCode == -32007)
        #expect(noTarget["error"]?["data"]?["field"] == "target")
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/insight-face/swap", "/mj/insight-face/swap"])
        #expect(requests.first?.json == ["sourceBase64": .string(Self.pngDataURL), "targetBase64": "data:image/jpeg;base64,/9j/"])
    }

    @Test func uploadImagesReturnsTheRelaysURLs() throws {
        let image = try DescribeImageTests.temporaryFile("ref.png", DescribeImageTests.pngBytes)
        let urls: JSONValue = ["https://cdn.discordapp.com/attachments/1/2/a.png", "https://cdn.discordapp.com/attachments/1/2/b.png"]
        let harness = try Harness(responses: [.json(["code": 1, "description": "success", "result": urls]),
                                              .json(["code": 4, "description": "invalid image", "result": .null]),
                                              .json(["code": 1, "description": "success", "result": "not a list"])])
        let (uploaded, _) = try harness.daemon.call("midjourney.uploadImages", ["base64Array": ["data:image/png;base64,AA=="], "images": [.string(image)],
                                                                                "filter": ["channelId": "1"]])
        let (refused, _) = try harness.daemon.call("midjourney.uploadImages", ["base64Array": ["data:image/png;base64,AA=="]], id: 2)
        let (odd, _) = try harness.daemon.call("midjourney.uploadImages", ["base64Array": ["data:image/png;base64,AA=="]], id: 3)
        let (none, _) = try harness.daemon.call("midjourney.uploadImages", [:], id: 4)
        try harness.finish()
        #expect(uploaded["result"] == ["urls": urls, "code": 1, "description": "success"])
        #expect(refused.errorCode == -32007)
        #expect(refused["error"]?["data"]?["code"] == 4)
        #expect(odd.errorCode == -32004)
        #expect(none["error"]?["data"]?["field"] == "images")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/mj/submit/upload-discord-images")
        #expect(request.json == ["base64Array": ["data:image/png;base64,AA==", .string(Self.pngDataURL)], "filter": ["channelId": "1"]])
        #expect(harness.upstream.requests.count == 3)
    }
}
}
