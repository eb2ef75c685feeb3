import ESFCore

extension XMLRecordSource {
    /// XML nests a participant's records inside its element and closes the group with `.groupEnd`.
    public var deliversGroups: Bool { true }
}
