import ESFCore
import ESFInputs

extension Checker {
    /// Findings with the file's own terms in their locations: for each finding that points at a
    /// field of a record, the file's name for that field (a profile's CSV header or XML path) and
    /// its text as written, looked up again in the input (`RawValueSource`) once the input is read.
    /// Raw text that may be personal data is masked unless `showPersonalData`.
    static func inSourceTerms(_ findings: inout [Finding], source: any RecordSource, model: DataModel, showPersonalData: Bool) {
        guard let lookup = source as? RawValueSource else { return }
        var requests: [RawValueRequest] = []
        var owners: [Int] = []
        for (i, f) in findings.enumerated() {
            // a rule's scope is a path (`participant.employment`): its record is of the last entity
            let entity = f.entity.split(separator: ".").last.map(String.init) ?? f.entity
            guard let location = f.location, let name = location.field, let e = model.entityIndex(entity),
                  let field = model.entities[e].fieldIndex(name) else { continue }
            requests.append(RawValueRequest(entity: e, field: field, location: location))
            owners.append(i)
        }
        guard !requests.isEmpty else { return }
        let answers = lookup.rawValues(requests)
        for (k, i) in owners.enumerated() where k < answers.count {
            guard let answer = answers[k] else { continue }
            findings[i].location?.sourceField = answer.sourceField
            if let text = answer.text { findings[i].location?.rawValue = answer.personal && !showPersonalData ? Masking.mask(text) : text }
        }
    }
}
