import Primitives
import Testing
import TestSupport

/// `OneShot`: a value settled once and awaited by any number of tasks, with or without a bound.
struct OneShotTests {
    @Test func everyWaiterGetsTheValueAndTheFirstResolveWins() async throws {
        let shot = OneShot<Int>()
        async let first = shot.value()
        async let second = shot.value()
        try await Task.sleep(for: .milliseconds(20))
        #expect(shot.resolve(.success(7)))
        #expect(!shot.resolve(.success(8)), "settled already")
        #expect(try await first == 7)
        #expect(try await second == 7)
        #expect(try await shot.value() == 7, "a later waiter gets it at once")
    }

    @Test func aBoundedWaitGetsAValueSettledInTime() async {
        let shot = OneShot<String>()
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            shot.resolve(.success("in time"))
        }
        #expect(await shot.value(within: TestTiming.seconds(30)) == "in time")
    }

    @Test func aBoundedWaitEndsAtItsBoundWithoutAValue() async {
        let shot = OneShot<Int>()
        let started = ContinuousClock.now
        #expect(await shot.value(within: 0.2) == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        // Still usable afterwards: the bounded waiter left no stale continuation behind.
        shot.resolve(.success(1))
        #expect(shot.settledValue == 1)
    }

    @Test func aFailureEndsABoundedWaitAtOnceWithoutAValue() async {
        struct Refused: Error {}
        let shot = OneShot<Int>()
        Task {
            try? await Task.sleep(for: .milliseconds(20))
            shot.resolve(.failure(Refused()))
        }
        // Far from the bound: a loaded machine can hold the pool's threads for seconds.
        let started = ContinuousClock.now
        #expect(await shot.value(within: TestTiming.seconds(600)) == nil)
        #expect(ContinuousClock.now - started < .seconds(TestTiming.seconds(300)))
    }

    @Test func aCancelledWaiterStopsAtOnce() async {
        let shot = OneShot<Int>()
        let waiter = Task { try await shot.value() }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(shot.resolve(.success(3)), "the value was never settled")
    }
}
