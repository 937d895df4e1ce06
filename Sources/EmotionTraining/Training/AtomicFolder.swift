// Replacing a folder all at once: its new content is written into a hidden temporary sibling which is
// renamed into place only when complete, so a failed write leaves nothing half-written behind and an
// existing folder stays intact until its replacement is complete.

import Foundation

/// Why a folder could not be replaced.
public enum AtomicFolderError: Error, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotReplace(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): return "cannot create '\(path)': \(reason)"
        case .cannotReplace(let path, let reason): return "cannot replace '\(path)': \(reason)"
        }
    }
}

public enum AtomicFolder {
    /// Calls `write` with an empty temporary folder beside `destination`, then renames it to
    /// `destination`. If `write` throws, the temporary folder is removed and `destination` is untouched.
    /// An existing `destination` is moved aside first and removed only after the rename succeeded (and
    /// restored if it failed). Missing parent folders are created.
    public static func replace(at destination: URL, write: (URL) throws -> Void) throws {
        let fileManager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        let name = destination.lastPathComponent
        let token = UUID().uuidString.prefix(8)
        let temporary = parent.appendingPathComponent(".\(name).partial-\(token)")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw AtomicFolderError.cannotCreate(path: temporary.path, reason: reason(error))
        }
        do {
            try write(temporary)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
        guard fileManager.fileExists(atPath: destination.path) else {
            do {
                try fileManager.moveItem(at: temporary, to: destination)
            } catch {
                try? fileManager.removeItem(at: temporary)
                throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
            }
            return
        }
        let previous = parent.appendingPathComponent(".\(name).previous-\(token)")
        do {
            try fileManager.moveItem(at: destination, to: previous)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
        }
        do {
            try fileManager.moveItem(at: temporary, to: destination)
        } catch {
            try? fileManager.moveItem(at: previous, to: destination)
            try? fileManager.removeItem(at: temporary)
            throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
        }
        try? fileManager.removeItem(at: previous)
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }
}
