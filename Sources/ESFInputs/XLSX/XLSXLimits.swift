/// The bounds an Excel workbook must keep before and while it is read (documented in docs/limits.md).
///
/// A workbook is a ZIP archive: a few kilobytes can inflate to gigabytes (a zip bomb). Each bound is
/// checked against the sizes the archive's central directory declares, before anything is inflated,
/// and again against the bytes actually inflated, so an entry whose header lies is stopped as soon
/// as it passes a bound. Crossing any bound is an input error (exit code 3), never a partial read.
public struct XLSXLimits: Sendable, Hashable {
    /// The most entries (parts) the archive may hold.
    public var maxEntries = 10_000
    /// The most bytes one part may inflate to.
    public var maxPartBytes = 256 << 20
    /// The most bytes all parts together may inflate to.
    public var maxTotalBytes = 1 << 30
    /// The highest ratio of inflated to compressed bytes of one entry, checked once it has inflated
    /// more than `ratioFloorBytes` (small parts compress however they like).
    public var maxRatio = 250
    /// Below this many inflated bytes, an entry's ratio is not checked.
    public var ratioFloorBytes = 1 << 20
    /// The most shared strings the workbook may declare or hold.
    public var maxSharedStrings = 5_000_000

    /// The documented limits.
    public static let standard = XLSXLimits()

    public init() {}
}

/// What an Excel sheet can hold.
enum XLSXSheetLimits {
    /// Rows of a sheet (Excel 2007 and later).
    static let maxRows = 1_048_576
    /// Columns of a sheet (`XFD`).
    static let maxColumns = 16_384
}
