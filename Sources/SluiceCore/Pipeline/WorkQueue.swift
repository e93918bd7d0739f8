import Foundation

/// A bounded first-in first-out queue between threads. `put` waits while it
/// is full, `take` while it is empty; after `close`, `put` drops its item and
/// `take` drains what is left, then returns nil.
final class WorkQueue<Element: Sendable>: @unchecked Sendable {  // all state is guarded by `condition`
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    @discardableResult func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Puts the workers' results back in input order for the one consumer.
/// A worker whose result is too far ahead of the consumer waits, so memory
/// stays bounded however slow the writer is.
final class ReorderBuffer<Element: Sendable>: @unchecked Sendable {  // all state is guarded by `condition`
    private let condition = NSCondition()
    private var results: [Int: Result<Element, any Error>] = [:]
    private var next = 0
    private var end: Int?
    private var abandoned = false
    private let window: Int

    init(window: Int) { self.window = max(1, window) }

    /// Stores the result for `sequence`; false when the consumer has gone.
    @discardableResult func put(_ sequence: Int, _ result: Result<Element, any Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while sequence >= next + window && !abandoned { condition.wait() }
        guard !abandoned else { return false }
        results[sequence] = result
        condition.broadcast()
        return true
    }

    /// Says that `count` results make the whole input.
    func finish(count: Int) {
        condition.lock()
        end = count
        condition.broadcast()
        condition.unlock()
    }

    /// The next result in order, or nil after the last or once `stop` says so
    /// (asked a few times a second while waiting).
    func takeNext(stop: () -> Bool = { false }) -> Result<Element, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        while results[next] == nil && (end == nil || next < end!) && !abandoned {
            if stop() { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        guard let result = results.removeValue(forKey: next) else { return nil }
        next += 1
        condition.broadcast()
        return result
    }

    /// Wakes and releases everyone: the consumer stops taking.
    func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }
}
