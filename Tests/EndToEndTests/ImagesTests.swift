import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("images.generate and images.edit end to end")
struct ImagesTests {
    static let created = 1_700_000_000

    static func answer(_ items: [JSONValue]) -> JSONValue {
        ["created": .number(created), "data": .array(items)]
    }

    static func base64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }

    @Test func generatePassesEveryFieldThroughAndReturnsTheAnswerUnchanged() throws {
        let answer = Self.answer([["url": "https://files.example.com/img-1.png", "revised_prompt": "A cute baby sea otter, photo"]])
        let harness = try Harness(responses: [.json(answer)])
        let params: JSONValue = ["prompt": "A cute baby sea otter", "model": "dall-e-3", "n": 1, "size": "1024x1792", "quality": "hd",
                                 "style": "natural", "future_field": ["x": 1]]
        let (response, _) = try harness.daemon.call("images.generate", params)
        try harness.finish()
        #expect(response["result"] == answer)
        let request = try #require(harness.upstream.requests.first)
        #expect(harness.upstream.requests.count == 1, "nothing downloaded without output_dir")
        #expect(request.method == "POST")
        #expect(request.path == "/v1/images/generations")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.json == params)
    }

    @Test func outputDirSavesBase64ImagesUnderSniffedNames() throws {
        let folder = try MediaFixtures.directory()
        let answer = Self.answer([["b64_json": Self.base64(MediaFixtures.png), "revised_prompt": "an otter"],
                                  ["b64_json": Self.base64(MediaFixtures.jpeg)]])
        let harness = try Harness(responses: [.json(answer)])
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "an otter", "n": 2, "response_format": "b64_json",
                                                                        "output_dir": .string(folder)])
        try harness.finish()
        let png = folder + "/image-\(Self.created)-0.png", jpeg = folder + "/image-\(Self.created)-1.jpg"
        #expect(response["result"] == Self.answer([["b64_json": Self.base64(MediaFixtures.png), "revised_prompt": "an otter", "path": .string(png)],
                                                   ["b64_json": Self.base64(MediaFixtures.jpeg), "path": .string(jpeg)]]))
        #expect(MediaFixtures.bytes(at: png) == MediaFixtures.png)
        #expect(MediaFixtures.bytes(at: jpeg) == MediaFixtures.jpeg)
        #expect(MediaFixtures.names(in: folder) == ["image-\(Self.created)-0.png", "image-\(Self.created)-1.jpg"])
        #expect(harness.upstream.requests.first?.json == ["prompt": "an otter", "n": 2, "response_format": "b64_json"])
    }

    @Test func urlsAreDownloadedAndTheKeyGoesOnlyToTheUpstreamsOwnOrigin() throws {
        let folder = try MediaFixtures.directory()
        let storage = try FakeUpstream(responses: [.bytes(MediaFixtures.webp, contentType: "image/webp")])
        defer { storage.stop() }
        let harness = try Harness { request in
            guard request.path == "/v1/images/generations" else { return .bytes(MediaFixtures.png, contentType: "image/png") }
            let own = "http://\(request.header("host") ?? "")/v1/files/own.png"
            return .json(Self.answer([["url": .string(storage.baseURL + "/blob/foreign.webp?sig=abc")], ["url": .string(own)]]))
        }
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "two", "n": 2, "output_dir": .string(folder)])
        try harness.finish()
        #expect(response["result"]?["data"]?[0]?["path"] == .string(folder + "/image-\(Self.created)-0.webp"))
        #expect(response["result"]?["data"]?[1]?["path"] == .string(folder + "/image-\(Self.created)-1.png"))
        #expect(MediaFixtures.bytes(at: folder + "/image-\(Self.created)-0.webp") == MediaFixtures.webp)
        #expect(MediaFixtures.bytes(at: folder + "/image-\(Self.created)-1.png") == MediaFixtures.png)
        let foreign = try #require(storage.requests.first)
        #expect(foreign.method == "GET")
        #expect(foreign.path == "/v1/blob/foreign.webp?sig=abc")
        #expect(foreign.header("authorization") == nil, "no key to a foreign host")
        let own = try #require(harness.upstream.requests.last)
        #expect(own.method == "GET")
        #expect(own.path == "/v1/files/own.png")
        #expect(own.header("authorization") == "Bearer \(testKey)")
    }

    @Test func editSendsOneImageAndAMaskAsMultipart() throws {
        let folder = try MediaFixtures.directory()
        let image = try MediaFixtures.file("otter.png", MediaFixtures.png, in: folder)
        let mask = try MediaFixtures.file("mask \"1\".png", MediaFixtures.png.reversed(), in: folder)
        let answer = Self.answer([["url": "https://files.example.com/edit.png"]])
        let harness = try Harness(responses: [.json(answer)])
        let params: JSONValue = ["image": .string(image), "mask": .string("file://" + mask), "prompt": "Add a beret", "model": "dall-e-2",
                                 "n": 1, "size": "512x512", "response_format": "url", "user": "u-1"]
        let (response, _) = try harness.daemon.call("images.edit", params)
        try harness.finish()
        #expect(response["result"] == answer)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/images/edits")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        let parts = try #require(request.multipartParts)
        #expect(parts.filter { $0.filename == nil }.map { "\($0.name)=\($0.text)" }
                == ["prompt=Add a beret", "model=dall-e-2", "n=1", "size=512x512", "response_format=url", "user=u-1"])
        let files = parts.filter { $0.filename != nil }
        #expect(files == [MultipartPart(name: "image", filename: "otter.png", contentType: "image/png", body: MediaFixtures.png),
                          MultipartPart(name: "mask", filename: "mask \"1\".png", contentType: "application/octet-stream",
                                        body: MediaFixtures.png.reversed())])
    }

    @Test func editSendsSeveralImagesAsImageArrayAndSavesTheResult() throws {
        let folder = try MediaFixtures.directory()
        let first = try MediaFixtures.file("a.png", MediaFixtures.png)
        let second = try MediaFixtures.file("b.webp", MediaFixtures.webp)
        let answer = Self.answer([["b64_json": Self.base64(MediaFixtures.webp)]])
        let harness = try Harness(responses: [.json(answer)])
        let (response, _) = try harness.daemon.call("images.edit", ["image": [.string(first), .string(second)], "prompt": "Combine them",
                                                                    "model": "gpt-image-1", "output_dir": .string(folder)])
        try harness.finish()
        let saved = folder + "/image-\(Self.created)-0.webp"
        #expect(response["result"]?["data"]?[0]?["path"] == .string(saved))
        #expect(response["result"]?["data"]?[0]?["b64_json"] == Self.base64(MediaFixtures.webp))
        #expect(MediaFixtures.bytes(at: saved) == MediaFixtures.webp)
        let parts = try #require(harness.upstream.requests.first?.multipartParts)
        #expect(parts.map(\.name) == ["prompt", "model", "image[]", "image[]"])
        #expect(parts[2] == MultipartPart(name: "image[]", filename: "a.png", contentType: "image/png", body: MediaFixtures.png))
        #expect(parts[3] == MultipartPart(name: "image[]", filename: "b.webp", contentType: "image/webp", body: MediaFixtures.webp))
    }

    @Test func badParamsAndFilesCostNoRequest() throws {
        let folder = try MediaFixtures.directory()
        let image = try MediaFixtures.file("ok.png", MediaFixtures.png, in: folder)
        let missing = folder + "/nope.png"
        let harness = try Harness(responses: [])
        let cases: [(String, JSONValue, Int, String)] = [
            ("images.generate", ["n": 1], -32602, "prompt"),
            ("images.generate", ["prompt": "x", "output_dir": .string(missing)], -32006, "output_dir"),
            ("images.edit", ["prompt": "x"], -32602, "image"),
            ("images.edit", ["image": 7, "prompt": "x"], -32602, "image"),
            ("images.edit", ["image": .string(image)], -32602, "prompt"),
            ("images.edit", ["image": [.string(image), .string(missing)], "prompt": "x"], -32006, "image.1"),
            ("images.edit", ["image": .string(image), "mask": .string(folder), "prompt": "x"], -32006, "mask"),
            ("images.edit", ["image": .string(image), "prompt": "x", "output_dir": .string(image)], -32006, "output_dir"),
            ("images.edit", ["image": .string(image), "prompt": "x", "metadata": [["k"]]], -32602, "metadata.0"),
        ]
        for (index, (method, params, code, field)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call(method, params, id: .number(index + 1))
            #expect(response.errorCode == code, "\(method) \(params)")
            #expect(response["error"]?["data"]?["field"] == .string(field), "\(method) \(params)")
        }
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func aRelayWithoutEditsAnswersReadably() throws {
        let image = try MediaFixtures.file("ok.png", MediaFixtures.png)
        let harness = try Harness(responses: [.error(status: 501, message: "not implemented: /v1/images/edits", type: "new_api_error")])
        let (response, _) = try harness.daemon.call("images.edit", ["image": .string(image), "prompt": "x"])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["message"] == "upstream HTTP 501: not implemented: /v1/images/edits")
        #expect(response["error"]?["data"]?["status"] == 501)
    }
}
}
