import Foundation
import Testing

@Suite("sluice jobs and sluice profile")
struct JobsAndProfileCommandTests {
    @Test("jobs list, show and errors (also as CSV) tell what happened to every row")
    func jobs() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("seed.csv", "id,name\n0,s\n"), "--table", "t")
        _ = try cli.run("import", try cli.write("t.csv", "id,name\n1,a\nx,\"b\nc\"\n"), "--table", "t")
        let list = try cli.run("jobs", "list")
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == 3)
        #expect(list.stdout.contains("succeeded"))
        #expect(try cli.run("jobs", "list", "--status", "failed").stdout == "no jobs with status failed\n")
        let show = try cli.run("jobs", "show", "2")
        #expect(show.stdout.contains("rows:      2 read, 1 imported, 1 rejected"))
        let errors = try cli.run("jobs", "errors", "2")
        #expect(errors.stdout == "line 3: [cast] column 'id': 'x' is not an integer\n")
        let csv = try cli.run("jobs", "errors", "2", "--csv")
        #expect(csv.stdout == "line,byte_offset,column,value,kind,message,original\n3,12,id,x,cast,column 'id': 'x' is not an integer,\"x,\"\"b\nc\"\"\"\n")
        let missing = try cli.run("jobs", "show", "99")
        #expect(missing.status == 1)
        #expect(missing.stderr == "sluice: no job 99\n")
    }

    @Test("jobs cleanup deletes finished jobs older than the age, with their errors and stored files")
    func cleanup() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("seed.csv", "id\n0\n"), "--table", "t")
        _ = try cli.run("import", try cli.write("t.csv", "id\n1\nx\n"), "--table", "t")
        _ = try cli.run("import", try cli.write("u.csv", "id\n2\n"), "--table", "t")
        _ = try cli.sql("UPDATE sluice_jobs SET finished_at = '2020-01-01 00:00:00.000' WHERE id IN (1, 2)")
        for id in [2, 3] {
            try FileManager.default.createDirectory(atPath: cli.path("sluice-data/job-\(id)"), withIntermediateDirectories: true)
            try cli.write("sluice-data/job-\(id)/input", "stored")
        }
        let result = try cli.run("jobs", "cleanup", "--older-than", "30d")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("deleted 2 jobs that finished before "))
        #expect(result.stdout.hasSuffix(" and 1 stored file\n"))
        #expect(try cli.sql("SELECT group_concat(id) FROM sluice_jobs") == "3")
        #expect(try cli.sql("SELECT count(*) FROM sluice_job_errors") == "0")
        #expect(!FileManager.default.fileExists(atPath: cli.path("sluice-data/job-2/input")))
        #expect(FileManager.default.fileExists(atPath: cli.path("sluice-data/job-3/input")))
        #expect(try cli.sql("SELECT count(*) FROM t") == "3", "cleanup never touches imported data")
        #expect(try cli.run("jobs", "cleanup", "--older-than", "soon").status == 64)
    }

    @Test("profile infer prints a profile that profile check accepts and import uses")
    func inferThenCheck() throws {
        let cli = try CLI()
        let file = try cli.write("p.csv", "id;zip;when;score\n1;007;2024-01-02;1.5\n2;12345;2024-02-03;2\n")
        let inferred = try cli.run("profile", "infer", file)
        #expect(inferred.status == 0)
        #expect(inferred.stdout.contains("table: p\ncolumns:\n  id:    {type: integer}\n  zip:   {type: text}\n  when:  {type: date}\n  score: {type: real}\n"))
        let profile = try cli.write("p.yaml", inferred.stdout)
        let check = try cli.run("profile", "check", profile)
        #expect(check.stdout == "\(profile): ok: table p, 4 columns\n")
        #expect(try cli.run("import", file, "--profile", profile).status == 0)
        #expect(try cli.sql("SELECT zip FROM p ORDER BY id") == "007\n12345")
    }

    @Test("profile check points at the line and column of a mistake")
    func checkErrors() throws {
        let cli = try CLI()
        let typo = try cli.write("typo.yaml", "table: t\ncolumns:\n  a: {type: integr}\n")
        let result = try cli.run("profile", "check", typo)
        #expect(result.status == 1)
        #expect(result.stderr == "sluice: \(typo):3:13: unknown type 'integr'; use one of text, integer, real, decimal, boolean, date, timestamp, json\n")
        let rule = try cli.write("rule.yaml", "columns:\n  a: integer\nrules:\n  - name: r\n    expr: \"a > and 1\"\n")
        let ruleResult = try cli.run("profile", "check", rule)
        #expect(ruleResult.status == 1)
        #expect(ruleResult.stderr.hasPrefix("sluice: \(rule):5:16: rule 'r': "), "\(ruleResult.stderr)")
        let unknownKey = try cli.write("key.yaml", "columns:\n  a: {type: text, requird: true}\n")
        #expect(try cli.run("profile", "check", unknownKey).stderr.hasPrefix("sluice: \(unknownKey):2:19: unknown key 'requird'"))
    }

    @Test("a required column that no header matches stops the import before any row is read")
    func requiredColumnMissing() throws {
        let cli = try CLI()
        let profile = try cli.write("p.yaml", "columns:\n  node_id: {type: integer, required: true, aliases: [node]}\n  note: text\n")
        let result = try cli.run("import", try cli.write("x.csv", "id,note\n1,a\n"), "--profile", profile)
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 1: required column 'node_id' matches no column of the input"))
        #expect(try cli.sql("SELECT count(*) FROM sluice_jobs") == "0")
    }

    @Test("aliases and loose header matching bind columns")
    func aliases() throws {
        let cli = try CLI()
        let root = CLI.repositoryRoot.path
        let file = try cli.write("a.csv", "Key.1,VALUE-0,value_1,Invoice,gpu,Region\n7,1000,4600,3.5,L4,eu\n")
        let result = try cli.run("import", file, "--profile", root + "/profiles/plans.yaml")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cli.sql("SELECT node_id, start, stop, invoice_amount, gpu_class, region, note FROM plans") == "7|1000|4600|3.5|L4|eu|")
    }
}
