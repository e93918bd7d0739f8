import Foundation

/// Network namespaces for the scale-out test: a PostgreSQL server in one,
/// and each client in one of its own, joined to the server's by a veth
/// pair, so that clients reach the database over a network and see nothing
/// of each other. Needs root and `ip` (iproute2).
final class NetworkLab {
    /// Unique per lab: namespace and interface names are global, and an
    /// interface name has at most 15 bytes.
    private let tag = String(UUID().uuidString.prefix(6)).lowercased()
    private var namespaces: [String] = []
    private var postgresState: String?
    let clients: Int
    /// The server's URL inside its namespace (127.0.0.1).
    private(set) var serverURL = ""

    var server: String { "sl\(tag)-db" }
    func client(_ index: Int) -> String { "sl\(tag)-c\(index)" }
    /// Client `index`'s link: 10.213.<index+1>.2, the server's end .1.
    func serverAddress(forClient index: Int) -> String { "10.213.\(index + 1).1" }

    /// A lab with `clients` client namespaces and the server's; nil, with
    /// the reason printed, when this machine cannot make namespaces.
    static func make(clients: Int) throws -> NetworkLab? {
        guard getuid() == 0 else {
            print("skipping the network-namespace test: it needs root to create namespaces")
            return nil
        }
        let lab = NetworkLab(clients: clients)
        do {
            try lab.addNamespace(lab.server)
        } catch {
            print("skipping the network-namespace test: this machine cannot create one (\(error))")
            return nil
        }
        do {
            for index in 0..<clients { try lab.link(client: index) }
            try lab.startPostgres()
        } catch {
            lab.close()
            throw error
        }
        return lab
    }

    private init(clients: Int) {
        self.clients = clients
    }

    deinit { close() }

    /// The URL client `index` connects with: the server's address on its link.
    func url(forClient index: Int) -> String {
        serverURL.replacingOccurrences(of: "@127.0.0.1:", with: "@\(serverAddress(forClient: index)):")
    }

    /// What a command runs through to be in client `index`'s namespace.
    func prefix(forClient index: Int) -> [String] { ["/usr/bin/env", "ip", "netns", "exec", client(index)] }

    /// Rows of `query`, by psql inside the server's namespace.
    func psql(_ query: String) throws -> String {
        try Self.run(["ip", "netns", "exec", server, "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", query, serverURL])
    }

    /// Stops the server and deletes the namespaces (their veth pairs go with them).
    func close() {
        if let state = postgresState {
            _ = try? Self.run(["ip", "netns", "exec", server, "env", "SLUICE_PG_STATE=\(state)", Self.postgresScript, "stop"])
            postgresState = nil
        }
        for name in namespaces.reversed() { _ = try? Self.run(["ip", "netns", "del", name]) }
        namespaces = []
    }

    private func addNamespace(_ name: String) throws {
        try Self.run(["ip", "netns", "add", name])
        namespaces.append(name)
        try Self.run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    private func link(client index: Int) throws {
        try addNamespace(client(index))
        let serverEnd = "sl\(tag)s\(index)", clientEnd = "sl\(tag)c\(index)"
        try Self.run(["ip", "link", "add", serverEnd, "netns", server, "type", "veth", "peer", "name", clientEnd, "netns", client(index)])
        let subnet = "10.213.\(index + 1)"
        try Self.run(["ip", "-n", server, "addr", "add", "\(subnet).1/24", "dev", serverEnd])
        try Self.run(["ip", "-n", server, "link", "set", serverEnd, "up"])
        try Self.run(["ip", "-n", client(index), "addr", "add", "\(subnet).2/24", "dev", clientEnd])
        try Self.run(["ip", "-n", client(index), "link", "set", clientEnd, "up"])
    }

    /// A cluster of its own (scripts/postgres.sh) inside the server's
    /// namespace, listening on every link's server end too.
    private func startPostgres() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("sl\(tag)-postgres.state").path
        let addresses = (0..<clients).map(serverAddress(forClient:)).joined(separator: ",")
        postgresState = state
        serverURL = try Self.run(["ip", "netns", "exec", server, "env", "SLUICE_PG_STATE=\(state)", "SLUICE_PG_LISTEN=\(addresses)",
                                  Self.postgresScript, "start"])
    }

    private static let postgresScript = CLI.repositoryRoot.appendingPathComponent("scripts/postgres.sh").path

    /// Runs a command; its output, or an error with its stderr when it
    /// fails. Spawned and waited for by hand: Foundation's `Process` missed
    /// the exit of `postgres.sh start` (whose server lives on) and waited forever.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-lab-\(UUID().uuidString)")
        let outPath = scratch.path + ".out", errPath = scratch.path + ".err"
        defer { for path in [outPath, errPath] { try? FileManager.default.removeItem(atPath: path) } }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw LabError(command: arguments.joined(separator: " "), message: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw LabError(command: arguments.joined(separator: " "), message: "status \(status): \(errors)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct LabError: Error, CustomStringConvertible {
        var command: String
        var message: String
        var description: String { "`\(command)` failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }
}
