internal import CLibXML2
import ESFCore

/// The outline of an XML export: its root element, the root's namespace and the names of the
/// elements directly inside the root. Enough to tell which layout a file is written in.
public struct XMLLayout: Sendable, Hashable {
    /// The root element's local name.
    public var root: String
    /// The root element's namespace (nil: none).
    public var namespace: String?
    /// The local names of the root's child elements, each once, in order of first appearance.
    public var children: [String]

    public init(root: String, namespace: String?, children: [String]) {
        self.root = root
        self.namespace = namespace
        self.children = children
    }
}

extension XMLRecordSource {
    /// The outline of the XML file at `path`, read with the same safe parser options as `read`;
    /// nil when no root element can be read. With `children`, the root's children are listed from
    /// the first 10,000 of them (their contents skipped, which parses them: the whole file for a
    /// canonical export); a parse error later in the file ends the list. Without, only the root's
    /// start tag is read.
    public static func layout(of path: String, children: Bool = true) -> XMLLayout? {
        guard let libxml = try? LibXMLReader(path: path) else { return nil }
        let reader = libxml.reader
        var status = xmlTextReaderRead(reader)
        while status == 1 && xmlTextReaderNodeType(reader) != 1 { status = xmlTextReaderRead(reader) }
        guard status == 1, let node = xmlTextReaderCurrentNode(reader), let name = node.pointee.name else { return nil }
        var layout = XMLLayout(root: String(cString: name), namespace: node.pointee.ns?.pointee.href.map { String(cString: $0) }, children: [])
        guard children, xmlTextReaderIsEmptyElement(reader) != 1 else { return layout }
        var seen: Set<String> = []
        var visited = 0
        status = xmlTextReaderRead(reader)
        while status == 1 && visited < 10_000 {
            let depth = xmlTextReaderDepth(reader)
            if depth == 0 { break }
            if depth == 1 && xmlTextReaderNodeType(reader) == 1, let child = xmlTextReaderCurrentNode(reader), let cname = child.pointee.name {
                visited += 1
                let text = String(cString: cname)
                if seen.insert(text).inserted { layout.children.append(text) }
                status = xmlTextReaderNext(reader)
                continue
            }
            status = xmlTextReaderRead(reader)
        }
        return layout
    }

    /// The outline `model` expects of an export read with `profile` (nil: the canonical form):
    /// the root element, its namespace and the elements the root may hold (lists, records and,
    /// under a profile, the child elements that hold the root record's own fields).
    public static func expectedLayout(model: DataModel, profile: MappingProfile?) -> XMLLayout {
        let plan = XMLPlan(model: model, profile: profile)
        let root = plan.kinds[plan.rootKind]
        var children = root.children.map { plan.kinds[$0.kind].xpathName }
        if let profiled = plan.profiled?[model.root] {
            children += profiled.children.map { String(decoding: $0.name, as: UTF8.self) }
        }
        return XMLLayout(root: root.xpathName, namespace: plan.namespaceText, children: children)
    }
}
