import Foundation
import Testing
import SluiceCore
import SluicePostgres

/// The lock service, the same test bodies for every driver.
@Suite("Named locks, on every driver")
struct LockConformanceTests {
    @Test("one holder at a time: another connection cannot take a held lock until it is released", arguments: DriverKind.allCases)
    func oneHolder(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let (mine, theirs) = (driver.driver.locks, try driver.another().locks)
        let now = Date()
        #expect(try mine.lockTry("orchestrator", now: now))
        #expect(try mine.lockTry("orchestrator", now: now), "taking a lock it holds renews it")
        #expect(try !theirs.lockTry("orchestrator", now: now))
        #expect(try theirs.lockTry("other source", now: now), "locks of other names are independent")
        #expect(try mine.lockRenew("orchestrator", now: now))
        #expect(try !theirs.lockRenew("orchestrator", now: now))
        #expect(try !theirs.lockRelease("orchestrator"), "only the holder releases")
        #expect(try mine.lockRelease("orchestrator"))
        #expect(try !mine.lockRenew("orchestrator", now: now))
        #expect(try theirs.lockTry("orchestrator", now: now))
        #expect(try !mine.lockTry("orchestrator", now: now))
    }

    @Test("a holder that dies lets its lock go: PostgreSQL when its connection closes, SQLite when its lease runs out", arguments: DriverKind.allCases)
    func deadHolder(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let holder = try driver.another()
        let waiter = driver.driver.locks
        let now = Date()
        #expect(try holder.locks.lockTry("orchestrator", now: now))
        #expect(try !waiter.lockTry("orchestrator", now: now.addingTimeInterval(LockTiming.lease / 2)))
        switch kind {
        case .postgres:
            // Time alone frees nothing: the holder's connection is alive.
            #expect(try !waiter.lockTry("orchestrator", now: now.addingTimeInterval(LockTiming.lease * 10)))
            (holder as? PostgresDriver)?.close()
            let deadline = Date().addingTimeInterval(5)
            // The server notices the closed connection at once, but give it a moment.
            var taken = false
            while !taken && Date() < deadline {
                taken = try waiter.lockTry("orchestrator", now: Date())
                if !taken { Thread.sleep(forTimeInterval: 0.02) }
            }
            #expect(taken)
        case .sqlite:
            #expect(try !holder.locks.lockRenew("orchestrator", now: now.addingTimeInterval(LockTiming.lease + 1)),
                    "a lease that ran out cannot be renewed")
            #expect(try waiter.lockTry("orchestrator", now: now.addingTimeInterval(LockTiming.lease + 1)))
            #expect(try !holder.locks.lockRenew("orchestrator", now: now.addingTimeInterval(LockTiming.lease + 2)))
        }
    }
}
