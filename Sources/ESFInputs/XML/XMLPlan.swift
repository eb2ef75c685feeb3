import ESFCore

/// The element structure of a model's XML form: which element may appear inside which.
///
/// Every entity is an element kind (same index as the entity); each wrapper
/// (`participants`) is one more kind. Root-level entities (parent nil) sit in
/// the root element, through their wrapper if they have one; nested entities
/// sit in their parent's element, through a wrapper if they declare one.
struct XMLPlan {
    /// One element kind; an immutable class so that per-element lookups share it.
    final class Kind {
        /// The element's local name.
        let name: [UInt8]
        let xpathName: String
        /// The entity, or nil for a wrapper.
        let entity: Int?
        /// No `[n]` for the first occurrence (root, wrappers, entities of cardinality one/optional).
        let singleton: Bool
        /// The kind whose element contains this one (nil for the root).
        let container: Int?
        /// Allowed child elements.
        let children: [(name: [UInt8], kind: Int)]

        init(name: String, entity: Int?, singleton: Bool, container: Int?, children: [(name: [UInt8], kind: Int)]) {
            self.name = Array(name.utf8)
            self.xpathName = name
            self.entity = entity
            self.singleton = singleton
            self.container = container
            self.children = children
        }
    }

    let kinds: [Kind]
    let rootKind: Int
    let entities: [EntityPlan]
    /// The namespace every element must be in, as UTF-8 bytes (nil: not checked).
    let namespace: [UInt8]?
    let namespaceText: String?

    /// How each entity's fields are found under an XML mapping profile (nil: the canonical form).
    let profiled: [XMLProfileEntity]?
    /// Under a profile with `extra: ignore`: unknown elements and attributes are skipped silently.
    let ignoreExtra: Bool

    init(model: DataModel, profile: MappingProfile? = nil) {
        entities = model.entities.indices.map { EntityPlan(model: model, index: $0) }
        rootKind = model.root
        let profile = profile?.format == .xml ? profile : nil
        if let profile {
            namespaceText = profile.namespace
            namespace = profile.namespace.map { Array($0.utf8) }
            profiled = model.entities.map { XMLProfileEntity(entity: $0, binding: profile.binding(for: $0.name), profile: profile) }
            ignoreExtra = profile.extraColumns == .ignore
        } else {
            namespaceText = model.namespace
            namespace = model.namespace.map { Array($0.utf8) }
            profiled = nil
            ignoreExtra = false
        }
        let root = model.root
        // Kinds 0..<entities.count are the entities; wrappers follow, one per (container, name).
        var names = model.entities.map { profile?.binding(for: $0.name)?.element ?? $0.xmlElement }
        var entityOf: [Int?] = Array(model.entities.indices)
        var containers: [Int?] = model.entities.indices.map { $0 == root ? nil : (model.parentIndex(of: $0) ?? root) }
        var children: [[Int]] = Array(repeating: [], count: model.entities.count)
        for (i, e) in model.entities.enumerated() where i != root {
            let container = model.parentIndex(of: i) ?? root
            let binding = profile?.binding(for: e.name)
            guard let wrapper = binding?.wrapper ?? e.xmlWrapper else {
                children[container].append(i)
                continue
            }
            let w: Int
            if let existing = children[container].first(where: { entityOf[$0] == nil && names[$0] == wrapper }) {
                w = existing
            } else {
                w = names.count
                names.append(wrapper)
                entityOf.append(nil)
                containers.append(container)
                children.append([])
                children[container].append(w)
            }
            containers[i] = w
            children[w].append(i)
        }
        kinds = names.indices.map { k in
            let singleton = entityOf[k].map { $0 == root || model.entities[$0].cardinality != .many } ?? true
            return Kind(name: names[k], entity: entityOf[k], singleton: singleton, container: containers[k],
                        children: children[k].map { (Array(names[$0].utf8), $0) })
        }
    }

    /// The child kind of `parent` named `name` (a NUL-terminated C string owned by libxml2).
    @inline(__always)
    func child(of parent: Int, named name: UnsafePointer<UInt8>) -> Int? {
        for c in kinds[parent].children where cStringEquals(name, c.name) { return c.kind }
        return nil
    }

    /// Where an element with this name is allowed, for messages (`participant`, `participants`).
    func containers(ofElementNamed name: String) -> [String] {
        kinds.filter { $0.xpathName == name }.compactMap { $0.container.map { kinds[$0].xpathName } }
    }
}

/// Whether the NUL-terminated `c` equals `bytes` exactly.
@inline(__always)
func cStringEquals(_ c: UnsafePointer<UInt8>, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { b in
        for i in 0..<b.count where c[i] != b[i] { return false }
        return c[b.count] == 0
    }
}

extension EntityPlan {
    /// The field named by an XML attribute, searching from `hint` (attributes usually come in field order).
    @inline(__always)
    func field(named name: UnsafePointer<UInt8>, hint: inout Int) -> Int? {
        let n = fieldNameBytes.count
        if n == 0 { return nil }
        var k = hint < n ? hint : 0
        for _ in 0..<n {
            if cStringEquals(name, fieldNameBytes[k]) {
                hint = k + 1
                return k
            }
            k += 1
            if k == n { k = 0 }
        }
        return nil
    }
}

/// One entity read through an XML mapping profile: which attribute or child element holds each field.
final class XMLProfileEntity {
    /// Attribute name of the entity element → field.
    let attributes: [(name: [UInt8], field: Int)]
    /// Child elements that hold fields: their text and/or attributes.
    let children: [(name: [UInt8], text: Int?, attributes: [(name: [UInt8], field: Int)])]
    /// Per field, its XPath relative to the entity element (`@sifra`, `emso`, `znesek/@valuta`), for locations.
    let paths: [String]
    let decoders: [ProfileFieldDecoder]
    /// Whether fields come from child elements, so the record is complete only after them.
    var hasChildFields: Bool { !children.isEmpty }

    /// Whether the profile places field `f` in the element (an attribute or a child element).
    func isBound(_ f: Int) -> Bool {
        attributes.contains { $0.field == f } || children.contains { $0.text == f || $0.attributes.contains { $0.field == f } }
    }

    init(entity: EntityModel, binding: EntityBinding?, profile: MappingProfile) {
        decoders = entity.fields.map { ProfileFieldDecoder($0, profile: profile, translations: binding?.codes[$0.name] ?? []) }
        var paths = entity.fields.map { "@" + $0.name }
        guard let fields = binding?.fields else {
            attributes = entity.fields.enumerated().filter { !$0.element.implicit }.map { (Array($0.element.name.utf8), $0.offset) }
            children = []
            self.paths = paths
            return
        }
        var attributes: [(name: [UInt8], field: Int)] = []
        var children: [(name: [UInt8], text: Int?, attributes: [(name: [UInt8], field: Int)])] = []
        for b in fields {
            guard let f = entity.fieldIndex(b.field) else { continue }
            paths[f] = b.path.description
            switch b.path {
            case .attribute(let a):
                attributes.append((Array(a.utf8), f))
            case .childText(let c), .childAttribute(let c, _):
                let name = Array(c.utf8)
                var i = children.firstIndex { $0.name == name } ?? -1
                if i < 0 {
                    children.append((name, nil, []))
                    i = children.count - 1
                }
                if case .childAttribute(_, let a) = b.path {
                    children[i].attributes.append((Array(a.utf8), f))
                } else {
                    children[i].text = f
                }
            }
        }
        self.attributes = attributes
        self.children = children
        self.paths = paths
    }
}
