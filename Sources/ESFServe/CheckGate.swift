import Foundation
import Synchronization

/// Bounds how many checks run at once: up to `slots` run, up to `queueLength` more wait in arrival
/// order, and one more is turned away at once (503). A waiting check gives up at its deadline.
final class CheckGate: Sendable {
    enum Admission: Sendable { case admitted, queueFull, timedOut }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Admission, Never>
    }

    private struct State {
        var running = 0
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0
    }

    let slots: Int
    let queueLength: Int
    private let state = Mutex(State())

    init(slots: Int, queueLength: Int) {
        self.slots = slots
        self.queueLength = queueLength
    }

    /// The checks running and waiting now (for tests and `/health`).
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Takes a slot: at once when one is free, else after waiting in the queue, unless the queue is full
    /// or `deadline` passes first. An admitted caller must `release()` the slot when its check ends.
    func acquire(until deadline: ContinuousClock.Instant) async -> Admission {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            guard !Task.isCancelled else { return }
            self.giveUp(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Admission, Never>) in
            let immediate: Admission? = state.withLock { s in
                // the timer fires only at the deadline: once it has passed, the timer may already have
                // looked for this waiter and found none, so it must not wait (nor take a slot) now
                if ContinuousClock.now >= deadline { return .timedOut }
                if s.running < slots {
                    s.running += 1
                    return .admitted
                }
                if s.waiting.count >= queueLength { return .queueFull }
                s.waiting.append(Waiter(id: id, continuation: continuation))
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Gives a slot back: handed to the first waiting check, if any.
    func release() {
        let next: Waiter? = state.withLock { s in
            if s.waiting.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .admitted)
    }

    /// A waiting check whose deadline passed leaves the queue.
    private func giveUp(_ id: UInt64) {
        let gone: Waiter? = state.withLock { s in
            guard let i = s.waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiting.remove(at: i)
        }
        gone?.continuation.resume(returning: .timedOut)
    }
}
