import Dispatch
import ESFCore
import Foundation
import Synchronization

/// Reading on one thread, evaluation on another (`esfcheck check --threads 2`): a reader runs on a
/// producer thread of its own and hands its events, in batches, through a bounded queue to the
/// calling thread, which gives them to the engine in the reader's order. Records, group ends,
/// problems and rejections keep their order, so the findings and their order are those of a
/// one-thread run; a reader's error reaches the caller after every event read before it, as it
/// would with one thread; an error of the caller's sink stops the reader and is rethrown once the
/// reader has stopped. The reader's thread has ended when `stream` returns or throws, so the source
/// (its hashes, its columns) can be read afterwards as after a one-thread read.
public enum ReadPipeline {
    /// How events travel: how many in a batch, and how many batches may wait in the queue (the
    /// bound on the memory the reader can run ahead with when the engine is slower).
    public struct Shape: Sendable, Hashable {
        public var batchSize: Int
        public var queueDepth: Int
        /// How many batches must wait in the queue, when one is put, for the reader's thread to
        /// `prepare` the next one (0: always; tests use it to prepare every event).
        public var prepareWhenWaiting: Int
        public init(batchSize: Int, queueDepth: Int, prepareWhenWaiting: Int = 2) {
            self.batchSize = max(batchSize, 1)
            self.queueDepth = max(queueDepth, 1)
            self.prepareWhenWaiting = max(prepareWhenWaiting, 0)
        }

        /// 512 events a batch, 4 batches waiting at most: about 2,000 records ahead of the engine.
        public static let standard = Shape(batchSize: 512, queueDepth: 4)
    }

    /// The threads a check uses when not told: 2 (reading and evaluation) on a machine with at least
    /// two cores, else 1.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1 }

    /// Streams every event of `source` to `sink` on the calling thread while the source reads on a
    /// thread of its own; `sink` is lent each event in place (`inout`: it reads the event and leaves it
    /// as it was). The source's `progress` counter, if any, is brought up to date on the calling thread
    /// as each batch arrives (the reader counts into a counter of its own, given back when done).
    /// `prepare`, when given, sees every event on the reader's thread before it is queued (the engine's
    /// `PreEvaluator`), and is told to do its work (`true`) while the calling thread is the slower one:
    /// from a batch put when at least `shape.prepareWhenWaiting` (2) were waiting to the next batch put
    /// with fewer. It is used by that thread only, and must not change what the events mean (the calling
    /// thread gets the same events either way).
    public static func stream(_ source: inout any RecordSource, entityOrder: [Int], shape: Shape = .standard,
                              prepare: ((inout InputEvent, Bool) -> Void)? = nil, _ sink: (inout InputEvent) throws -> Void) throws {
        let shown = source.progress
        let counted = shown.map { _ in ReadProgress() }
        source.progress = counted
        let queue = BatchQueue(depth: shape.queueDepth)
        // The reader moves to the producer thread and is not touched here until that thread has ended
        // (`queue.join()`, whose semaphore orders its writes before our reads): one owner at a time.
        nonisolated(unsafe) let reader = source
        nonisolated(unsafe) let counter = counted
        nonisolated(unsafe) let prepare = prepare
        let batchSize = shape.batchSize, prepareWhenWaiting = shape.prepareWhenWaiting
        let thread = Thread {
            var batch: [InputEvent] = []
            batch.reserveCapacity(batchSize)
            var preparing = prepare != nil && prepareWhenWaiting == 0
            let outcome: Result<Void, any Error> = Result {
                try reader.read(entityOrder: entityOrder) { event in
                    // the event moved into the batch (the reader hands it over), where the reading thread's
                    // rules see it in place
                    batch.append(consume event)
                    if let prepare { prepare(&batch[batch.count - 1], preparing) }
                    if batch.count >= batchSize {
                        guard queue.put(Batch(events: batch, bytesRead: counter?.bytes ?? 0)) else { throw Stopped() }
                        // a batch the calling thread is done with, emptied here: the memory this thread
                        // allocated for its events is freed by this thread, into its own heap (freed on the
                        // other thread, it went back under a lock both threads wait on), and its buffer reused
                        batch = queue.takeSpent() ?? []
                        batch.removeAll(keepingCapacity: true)
                        // help the evaluating thread only while it is behind (an XML file validated
                        // against its XSD can keep this thread the busier one)
                        preparing = prepare != nil && queue.waiting() >= prepareWhenWaiting
                    }
                }
            }
            // the events read before the end (or the error) go first, then the end
            if !batch.isEmpty { _ = queue.put(Batch(events: batch, bytesRead: counter?.bytes ?? 0)) }
            queue.finish(outcome, bytesRead: counter?.bytes ?? 0)
        }
        // the main thread's stack size: a reader is as deep on either thread
        thread.stackSize = 8 << 20
        thread.start()
        defer {
            // also on an error of the sink: the reader is stopped and its thread waited for
            queue.stop()
            queue.join()
            source.progress = shown
        }
        while var batch = queue.take() {
            if let shown { shown.add(batch.bytesRead &- shown.bytes) }
            // each event lent to the sink in place, not copied (a copy retains every value it holds) nor
            // moved (an event is about 200 bytes): `inout` through a buffer pointer, whose subscript
            // addresses the element where it lies (an array element read for a call is copied, to keep it
            // alive whatever the callee does; one passed inout is moved out and back); then the events go
            // back to the reading thread, which made them and frees them
            try batch.events.withUnsafeMutableBufferPointer { events in
                for i in events.indices { try sink(&events[i]) }
            }
            queue.giveBack(&batch.events)
        }
        let end = queue.end()
        if let shown { shown.add(end.bytesRead &- shown.bytes) }
        try end.outcome.get()
    }

    /// Events read together, and the bytes the reader had read when it handed them over.
    struct Batch: Sendable {
        var events: [InputEvent]
        var bytesRead: Int
    }

    /// Thrown inside the reader when the caller has stopped taking batches: it unwinds the reader.
    struct Stopped: Error {}

    /// A bounded queue of batches from one producer thread to one consumer thread: `free` counts the
    /// places the producer may still fill, `filled` the batches (and the end) the consumer may take.
    final class BatchQueue: Sendable {
        private struct State {
            var batches: [Batch] = []
            var head = 0
            var outcome: Result<Void, any Error>?
            var endBytes = 0
            var stopped = false
            /// Events the consumer is done with, for the producer to free (`giveBack`, `takeSpent`).
            var spent: [[InputEvent]] = []
        }

        private let state = Mutex(State())
        private let free: DispatchSemaphore
        private let filled = DispatchSemaphore(value: 0)
        private let done = DispatchSemaphore(value: 0)
        private let depth: Int

        init(depth: Int) {
            self.depth = depth
            // made at 0 and raised: libdispatch traps when a semaphore is freed below the value it was
            // made with, which `free` is after a stopped run (places left taken)
            free = DispatchSemaphore(value: 0)
            for _ in 0..<depth { free.signal() }
        }

        /// Producer: waits for a free place and queues `batch`; false when the consumer has stopped
        /// (checked before waiting too: `stop` wakes one waiting `put`, and every later one returns at once).
        func put(_ batch: Batch) -> Bool {
            guard !state.withLock({ $0.stopped }) else { return false }
            free.wait()
            let queued = state.withLock { s in
                guard !s.stopped else { return false }
                s.batches.append(batch)
                return true
            }
            if queued { filled.signal() }
            return queued
        }

        /// Producer: the reader's end (finished, or its error), after its last batch; the producer's last act.
        func finish(_ outcome: Result<Void, any Error>, bytesRead: Int) {
            state.withLock { s in
                s.outcome = outcome
                s.endBytes = bytesRead
            }
            filled.signal()
            done.signal()
        }

        /// Consumer: the next batch in order, waiting for it; nil once the reader's end is next.
        func take() -> Batch? {
            filled.wait()
            let batch: Batch? = state.withLock { s in
                guard s.head < s.batches.count else { return nil }
                let b = s.batches[s.head]
                s.batches[s.head].events = []
                s.head += 1
                if s.head == s.batches.count {
                    s.batches.removeAll(keepingCapacity: true)
                    s.head = 0
                }
                return b
            }
            if batch != nil { free.signal() }
            return batch
        }

        /// Consumer: events it is done with, handed back to the producer to be freed there (at most
        /// `depth` wait; past that they stay with the caller). The queue takes the caller's reference
        /// (`events` is left empty), so that the producer holds the only one and frees the events itself.
        func giveBack(_ events: inout [InputEvent]) {
            state.withLock { s in
                guard !s.stopped, s.spent.count < depth else { return }
                s.spent.append([])
                swap(&s.spent[s.spent.count - 1], &events)
            }
        }

        /// Producer: the events of a batch the consumer is done with, if one was handed back.
        func takeSpent() -> [InputEvent]? {
            state.withLock { s in s.spent.popLast() }
        }

        /// The batches queued and not yet taken.
        func waiting() -> Int { state.withLock { $0.batches.count - $0.head } }

        /// Consumer: how the reader ended, once `take` has returned nil.
        func end() -> (outcome: Result<Void, any Error>, bytesRead: Int) {
            state.withLock { s in (s.outcome ?? .success(()), s.endBytes) }
        }

        /// Consumer: takes no more batches; a producer waiting for a place wakes and stops.
        func stop() {
            state.withLock { $0.stopped = true }
            free.signal()
        }

        /// Consumer: waits until the producer thread has handed over its end.
        func join() { done.wait() }
    }
}
