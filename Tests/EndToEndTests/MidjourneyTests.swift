import Foundation
import JSONRPC
import Testing
import TestSupport

/// MidJourney answers shaped like a relay's (new-api in front of midjourney-proxy).
enum MJ {
    static let taskID = "1712345678901234"

    /// A submit answer `{code, description, result, properties}`.
    static func submit(code: Int, description: String = "Submit success", result: JSONValue = .string(taskID),
                       properties: JSONValue = [:]) -> FakeResponse {
        .json(["code": .number(code), "description": .string(description), "result": result, "properties": properties])
    }

    /// A task object as GET /mj/task/{id}/fetch answers it.
    static func task(_ status: String, _ progress: String, failReason: String = "") -> JSONValue {
        [
            "id": .string(taskID), "action": "IMAGINE", "status": .string(status), "progress": .string(progress),
            "prompt": "a red fox in snow", "promptEn": "a red fox in snow", "description": "/imagine a red fox in snow",
            "imageUrl": status == "SUCCESS" ? "https://cdn.example.com/fox.png" : "", "failReason": .string(failReason),
            "submitTime": 1_700_000_000_000, "startTime": 1_700_000_001_000, "finishTime": status == "SUCCESS" ? 1_700_000_060_000 : 0,
            "properties": [:], "buttons": status == "SUCCESS" ? [["customId": "MJ::JOB::upsample::1::abc", "label": "U1", "emoji": "", "style": 2, "type": 2]] : [],
        ]
    }

    static func fetched(_ status: String, _ progress: String, failReason: String = "") -> FakeResponse {
        .json(task(status, progress, failReason: failReason))
    }

    /// The `$/progress` notifications among `messages`, as (status, progress, message).
    static func progress(_ messages: [JSONValue]) -> [(String, Double, String)] {
        messages.filter { $0["method"] == "$/progress" }.map {
            ($0["params"]?["status"]?.stringValue ?? "", $0["params"]?["progress"]?.doubleValue ?? -1, $0["params"]?["message"]?.stringValue ?? "")
        }
    }
}

extension EndToEnd {
@Suite("midjourney.* end to end")
struct MidjourneyTests {
    @Test func imagineGoesToTheHostRootWithTheParamsPassedThrough() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)])
        let params: JSONValue = ["prompt": "a red fox in snow --ar 16:9", "botType": "MID_JOURNEY", "notifyHook": "https://hook.example/mj",
                                 "state": "job-7", "accountFilter": ["remark": "main"], "profile": .null]
        let (response, before) = try harness.daemon.call("midjourney.imagine", params)
        try harness.finish()
        #expect(before.isEmpty)
        #expect(response["result"] == ["task_id": .string(MJ.taskID), "code": 1, "description": "Submit success", "properties": [:]])
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/mj/submit/imagine", "MJ lives at the host root, not under /v1")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.json == ["prompt": "a red fox in snow --ar 16:9", "botType": "MID_JOURNEY", "notifyHook": "https://hook.example/mj",
                                 "state": "job-7", "accountFilter": ["remark": "main"]])
    }

    /// A task id goes into the poll's path as one segment: the relay's ids are checked as a
    /// client's are, so neither can point the poll elsewhere.
    @Test(arguments: ["../../../x", "..", "a/b", "x;y", "a%2F", "a?b", "../\u{30F}x", "a/\u{30F}b"])
    func aTaskIDThatIsNotOnePathSegmentIsNeverPolled(id: String) throws {
        let harness = try Harness(responses: [MJ.submit(code: 1, result: .string(id))])
        let (submitted, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "wait": true, "poll_interval_seconds": 0.1])
        let (fetched, _) = try harness.daemon.call("midjourney.fetch", ["id": .string(id)], id: 2)
        try harness.finish()
        #expect(submitted.errorCode == -32004, "\(submitted)")
        #expect(submitted["error"]?["message"]?.stringValue?.contains("cannot be polled") == true, "\(submitted)")
        #expect(fetched.errorCode == -32602, "\(fetched)")
        #expect(fetched["error"]?["data"]?["field"] == "id")
        #expect(harness.upstream.requests.map(\.path) == ["/mj/submit/imagine"], "nothing was polled")
    }

    @Test(arguments: ["fast", "relax", "turbo"])
    func modeSelectsThePathPrefix(mode: String) throws {
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.fetched("SUCCESS", "100%")])
        _ = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "mode": .string(mode)])
        let (fetched, _) = try harness.daemon.call("midjourney.fetch", ["id": .string(MJ.taskID), "mode": .string(mode)], id: 2)
        try harness.finish()
        #expect(fetched["result"] == MJ.task("SUCCESS", "100%"))
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj-\(mode)/mj/submit/imagine", "/mj-\(mode)/mj/task/\(MJ.taskID)/fetch"])
        #expect(requests.first?.json == ["prompt": "fox"], "mode is not forwarded")
        #expect(requests.last?.method == "GET")
    }

    @Test func anUnknownModeIsInvalidParamsAndSendsNothing() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "mode": "slow"])
        try harness.finish()
        #expect(response.errorCode == -32602)
        #expect(response["error"]?["data"]?["field"] == "mode")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test(arguments: [("", "/mj/submit/imagine"), ("/v1", "/mj/submit/imagine"), ("/relay/v1", "/relay/mj/submit/imagine"),
                      ("/relay", "/relay/mj/submit/imagine")])
    func onlyAFinalV1IsDroppedFromTheBaseURL(suffix: String, path: String) throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)])
        _ = try harness.daemon.call("config.update", ["base_url": .string("http://127.0.0.1:\(harness.upstream.port)\(suffix)")])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"], id: 2)
        try harness.finish()
        #expect(response["result"]?["task_id"] == .string(MJ.taskID))
        #expect(harness.upstream.requests.map(\.path) == [path])
    }

    @Test(arguments: [(1, "Submit success", nil), (21, "Task already exists", "already exists: task_id is the existing task's id (properties may hold its result)"),
                      (22, "In queue", "queued: 3 task(s) ahead of it")])
    func acceptedCodesAreResults(code: Int, description: String, note: String?) throws {
        let properties: JSONValue = code == 22 ? ["numberOfQueues": 3, "discordInstanceId": "1"] : [:]
        let harness = try Harness(responses: [MJ.submit(code: code, description: description, properties: properties)])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"])
        try harness.finish()
        var expected: JSONObject = ["task_id": .string(MJ.taskID), "code": .number(code), "description": .string(description), "properties": properties]
        if let note { expected["note"] = .string(note) }
        #expect(response["result"] == .object(expected))
    }

    static let refusals: [(Int, String, JSONValue)] = [
        (23, "Queue is full, please try again later", [:]),
        (24, "Banned prompt", ["promptEn": "nsfw thing", "bannedWord": "nsfw"]),
        (3, "No available account instance", [:]),
        (4, "prompt can not be empty", [:]),
    ]

    @Test(arguments: refusals)
    func otherCodesAreTaskErrorsWithTheRelaysCodeAndDescription(code: Int, description: String, properties: JSONValue) throws {
        let harness = try Harness(responses: [MJ.submit(code: code, description: description, result: .null, properties: properties)])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"])
        try harness.finish()
        #expect(response.errorCode == -32007)
        var data: JSONObject = ["code": .number(code), "description": .string(description)]
        if properties != [:] { data["properties"] = properties }
        data["attempts"] = 1
        #expect(response["error"]?["data"] == .object(data))
        let message = response["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("code \(code)") && message.contains(description), "\(message)")
        if code == 24 { #expect(message.contains("\"nsfw\"")) }
        #expect(harness.upstream.requests.count == 1, "a refusal is not retried")
    }

    @Test func anAnswerWithoutACodeOrWithoutATaskIDIsABadResponse() throws {
        let harness = try Harness(responses: [.json(["message": "not an MJ relay"]), MJ.submit(code: 1, result: .null)])
        let (noCode, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"])
        let (noID, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"], id: 2)
        try harness.finish()
        #expect(noCode.errorCode == -32004)
        #expect(noID.errorCode == -32004)
        #expect(noID["error"]?["message"]?.stringValue?.contains("no task id") == true)
    }

    @Test func anHTTPErrorIsAnUpstreamHTTPError() throws {
        let harness = try Harness(responses: [.error(status: 401, message: "invalid token")])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox"])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["status"] == 401)
    }

    @Test func actionSendsTaskIdAndCustomId() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)])
        let (response, _) = try harness.daemon.call("midjourney.action", ["taskId": "111", "customId": "MJ::JOB::upsample::1::abc", "mode": "relax"])
        let (missing, _) = try harness.daemon.call("midjourney.action", ["taskId": "111"], id: 2)
        try harness.finish()
        #expect(response["result"]?["task_id"] == .string(MJ.taskID))
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/mj-relax/mj/submit/action")
        #expect(request.json == ["taskId": "111", "customId": "MJ::JOB::upsample::1::abc"])
        #expect(missing.errorCode == -32602)
        #expect(missing["error"]?["data"]?["field"] == "customId")
        #expect(harness.upstream.requests.count == 1)
    }

    @Test func changeSendsTheActionAndIndex() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.submit(code: 1)])
        _ = try harness.daemon.call("midjourney.change", ["taskId": "111", "action": "UPSCALE", "index": 2])
        _ = try harness.daemon.call("midjourney.change", ["taskId": "111", "action": "REROLL"], id: 2)
        try harness.finish()
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/submit/change", "/mj/submit/change"])
        #expect(requests.first?.json == ["taskId": "111", "action": "UPSCALE", "index": 2])
        #expect(requests.last?.json == ["taskId": "111", "action": "REROLL"])
    }

    static let badChanges: [(JSONValue, String)] = [
        (["taskId": "1", "action": "ZOOM", "index": 1], "action"),
        (["taskId": "1", "action": "VARIATION", "index": 5], "index"),
        (["taskId": "1", "action": "UPSCALE"], "index"),
        (["action": "UPSCALE", "index": 1], "taskId"),
    ]

    @Test(arguments: badChanges)
    func changeChecksItsParams(params: JSONValue, field: String) throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("midjourney.change", params)
        try harness.finish()
        #expect(response.errorCode == -32602)
        #expect(response["error"]?["data"]?["field"] == .string(field))
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func blendInlinesLocalImagesAfterBase64Array() throws {
        let png = try DescribeImageTests.temporaryFile("a.png", DescribeImageTests.pngBytes)
        let jpeg = try DescribeImageTests.temporaryFile("b.jpg", DescribeImageTests.jpegBytes)
        let given = "data:image/png;base64,iVBORw0KGgo="
        let harness = try Harness(responses: [MJ.submit(code: 1)])
        let (response, _) = try harness.daemon.call("midjourney.blend", ["base64Array": [.string(given)], "images": [.string(png), .string("file://" + jpeg)],
                                                                         "dimensions": "LANDSCAPE", "mode": "fast"])
        try harness.finish()
        #expect(response["result"]?["code"] == 1)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/mj-fast/mj/submit/blend")
        #expect(request.json == ["base64Array": [.string(given),
                                                 .string("data:image/png;base64," + Data(DescribeImageTests.pngBytes).base64EncodedString()),
                                                 .string("data:image/jpeg;base64," + Data(DescribeImageTests.jpegBytes).base64EncodedString())],
                                 "dimensions": "LANDSCAPE"])
    }

    @Test func blendChecksTheImageCountTheDimensionsAndTheFiles() throws {
        let png = try DescribeImageTests.temporaryFile("a.png", DescribeImageTests.pngBytes)
        let harness = try Harness(responses: [])
        let (one, _) = try harness.daemon.call("midjourney.blend", ["images": [.string(png)]])
        let (six, _) = try harness.daemon.call("midjourney.blend", ["base64Array": .array(Array(repeating: "data:image/png;base64,AA==", count: 6))], id: 2)
        let (square, _) = try harness.daemon.call("midjourney.blend", ["images": [.string(png), .string(png)], "dimensions": "WIDE"], id: 3)
        let (missing, _) = try harness.daemon.call("midjourney.blend", ["images": [.string(png), "/nonexistent/b.png"]], id: 4)
        let (web, _) = try harness.daemon.call("midjourney.blend", ["images": [.string(png), "https://example.com/b.png"]], id: 5)
        try harness.finish()
        #expect(one["error"]?["data"]?["field"] == "images")
        #expect(six["error"]?["data"]?["field"] == "base64Array")
        #expect(square["error"]?["data"]?["field"] == "dimensions")
        #expect(missing.errorCode == -32006)
        #expect(missing["error"]?["data"]?["field"] == "images.1")
        #expect(missing["error"]?["data"]?["reason"] == "not_found")
        #expect(web.errorCode == -32602)
        #expect(web["error"]?["data"]?["field"] == "images.1")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func describeSendsALocalImageAsBase64() throws {
        let png = try DescribeImageTests.temporaryFile("c.png", DescribeImageTests.pngBytes)
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.submit(code: 1)])
        _ = try harness.daemon.call("midjourney.describe", ["image": .string(png), "botType": "NIJI_JOURNEY"])
        _ = try harness.daemon.call("midjourney.describe", ["base64": "data:image/png;base64,AA=="], id: 2)
        let (neither, _) = try harness.daemon.call("midjourney.describe", [:], id: 3)
        try harness.finish()
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/submit/describe", "/mj/submit/describe"])
        #expect(requests.first?.json == ["base64": .string("data:image/png;base64," + Data(DescribeImageTests.pngBytes).base64EncodedString()),
                                         "botType": "NIJI_JOURNEY"])
        #expect(requests.last?.json == ["base64": "data:image/png;base64,AA=="])
        #expect(neither["error"]?["data"]?["field"] == "image")
    }

    @Test func fetchAndListReturnTheRelaysTasksUnchanged() throws {
        let tasks: JSONValue = [MJ.task("SUCCESS", "100%"), MJ.task("IN_PROGRESS", "40%")]
        let harness = try Harness(responses: [MJ.fetched("IN_PROGRESS", "40%"), .json(tasks)])
        let (fetched, _) = try harness.daemon.call("midjourney.fetch", ["id": .string(MJ.taskID)])
        let (listed, _) = try harness.daemon.call("midjourney.list", ["ids": [.string(MJ.taskID), "222"]], id: 2)
        let (noIDs, _) = try harness.daemon.call("midjourney.list", [:], id: 3)
        try harness.finish()
        #expect(fetched["result"] == MJ.task("IN_PROGRESS", "40%"))
        #expect(listed["result"] == tasks)
        #expect(noIDs["error"]?["data"]?["field"] == "ids")
        let requests = harness.upstream.requests
        #expect(requests.map(\.method) == ["GET", "POST"])
        #expect(requests.map(\.path) == ["/mj/task/\(MJ.taskID)/fetch", "/mj/task/list-by-condition"])
        #expect(requests.last?.json == ["ids": [.string(MJ.taskID), "222"]])
    }

    @Test func waitPollsReportsEachChangeInOrderAndReturnsTheFinishedTask() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.fetched("IN_PROGRESS", "10%"), MJ.fetched("IN_PROGRESS", "10%"),
                                              MJ.fetched("IN_PROGRESS", "50%"), MJ.fetched("SUCCESS", "100%")])
        let (response, before) = try harness.daemon.call("midjourney.imagine", ["prompt": "a red fox in snow", "wait": true, "poll_interval_seconds": 0.1])
        try harness.finish()
        let progress = MJ.progress(before)
        #expect(progress.map(\.0) == ["IN_PROGRESS", "IN_PROGRESS", "SUCCESS"])
        #expect(progress.map(\.1) == [10, 50, 100], "an unchanged poll sends nothing")
        #expect(progress.allSatisfy { $0.2 == "task \(MJ.taskID)" })
        #expect(before.allSatisfy { $0["params"]?["request_id"] == 1 })
        #expect(response["result"] == ["task_id": .string(MJ.taskID), "task": MJ.task("SUCCESS", "100%")])
        let requests = harness.upstream.requests
        #expect(requests.map(\.path) == ["/mj/submit/imagine"] + Array(repeating: "/mj/task/\(MJ.taskID)/fetch", count: 4))
        #expect(requests.first?.json == ["prompt": "a red fox in snow"], "wait and poll_interval_seconds are not forwarded")
    }

    @Test func aFailedTaskIsATaskErrorWithTheReasonAndTheTask() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1), MJ.fetched("IN_PROGRESS", "20%"), MJ.fetched("FAILURE", "20%", failReason: "Banned prompt detected")])
        let (response, before) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "wait": true, "poll_interval_seconds": 0.1])
        try harness.finish()
        #expect(MJ.progress(before).map(\.0) == ["IN_PROGRESS", "FAILURE"])
        #expect(response.errorCode == -32007)
        #expect(response["error"]?["data"] == ["status": "FAILURE", "failReason": "Banned prompt detected",
                                               "task": MJ.task("FAILURE", "20%", failReason: "Banned prompt detected"), "attempts": 1])
        #expect(response["error"]?["message"]?.stringValue?.contains("Banned prompt detected") == true)
    }

    @Test func cancellingWhileWaitingStopsPollingAndKeepsTheLastTask() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)], fallback: MJ.fetched("IN_PROGRESS", "30%"))
        harness.daemon.send(["jsonrpc": "2.0", "id": "mj", "method": "midjourney.imagine", "params": ["prompt": "fox", "wait": true, "poll_interval_seconds": 30]])
        let first = try harness.daemon.next()
        #expect(first["method"] == "$/progress")
        let started = Date()
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "mj"]])
        let (response, _) = try harness.daemon.response(to: "mj")
        #expect(Date().timeIntervalSince(started) < 2, "the wait between polls is cut short")
        #expect(response.errorCode == -32800)
        #expect(response["error"]?["data"] == ["reason": "cancelled", "partial": MJ.task("IN_PROGRESS", "30%")])
        try harness.finish()
        #expect(harness.upstream.requests.count == 2, "no poll after the cancel")
    }

    @Test func cancellingDuringAFetchAbortsItAndKeepsTheTaskID() throws {
        let harness = try Harness(responses: [MJ.submit(code: 1)], fallback: FakeResponse(steps: [.stall]))
        harness.daemon.send(["jsonrpc": "2.0", "id": 5, "method": "midjourney.imagine", "params": ["prompt": "fox", "wait": true]])
        #expect(harness.upstream.waitForRequests(2))
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 5]])
        let (response, _) = try harness.daemon.response(to: 5)
        #expect(response.errorCode == -32800)
        #expect(response["error"]?["data"]?["partial"] == ["id": .string(MJ.taskID)])
        #expect(harness.upstream.waitForOpenConnections(atMost: 0), "the fetch was aborted")
        try harness.finish()
    }

    @Test func waitingIsBoundedByTimeoutSeconds() throws {
        let harness = try Harness(arguments: ["--timeout", "1"], responses: [MJ.submit(code: 1)], fallback: MJ.fetched("IN_PROGRESS", "60%"))
        let started = Date()
        let (response, before) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "wait": true, "poll_interval_seconds": 0.2])
        try harness.finish()
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(MJ.progress(before).count == 1)
        #expect(response.errorCode == -32003)
        #expect(response["error"]?["data"] == ["kind": "request", "timeout_seconds": 1, "partial": MJ.task("IN_PROGRESS", "60%"), "attempts": 1])
        #expect(response["error"]?["message"]?.stringValue?.contains("midjourney.fetch") == true)
    }

    @Test func aTooShortPollIntervalIsInvalidParams() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("midjourney.imagine", ["prompt": "fox", "wait": true, "poll_interval_seconds": 0.01])
        try harness.finish()
        #expect(response["error"]?["data"]?["field"] == "poll_interval_seconds")
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
