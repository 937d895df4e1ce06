// The listing and split against Keras 3's image_dataset_from_directory: the real split of faces6, the
// order of classes and files, and the errors.
import Foundation
import EmotionTestSupport
import Testing
import EmotionData

private struct KerasSplit: Decodable {
    let seed: UInt32
    let validation_split: Double
    let class_names: [String]
    let train: [String]
    let val: [String]
}

@Suite struct ImageFolderTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: RepositoryPaths.faces6Split.path)
                   && FileManager.default.fileExists(atPath: RepositoryPaths.faces6.path),
                   "Keras split of faces6: ../shared/data/faces6 or its split JSON not found"))
    func faces6SplitIsKerasSplit() throws {
        let keras = try JSONDecoder().decode(KerasSplit.self, from: Data(contentsOf: RepositoryPaths.faces6Split))
        let folder = try ImageFolder(root: RepositoryPaths.faces6, validationSplit: keras.validation_split, seed: keras.seed)
        #expect(folder.classNames == keras.class_names)
        #expect(folder.training.count == 830 && folder.validation.count == 207)
        #expect(folder.training.map(\.relativePath) == keras.train)
        #expect(folder.validation.map(\.relativePath) == keras.val)
        for file in folder.files {
            #expect(folder.classNames[file.label] == String(file.relativePath.split(separator: "/")[0]))
            #expect(file.url == RepositoryPaths.faces6.appendingPathComponent(file.relativePath))
        }
    }

    /// A folder of empty files (listing never decodes): classes `b` (3 files), `a` (4), `C` (2).
    private func smallFolder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        for path in ["b/1.png", "b/2.png", "b/3.png", "a/1.jpg", "a/2.jpg", "a/3.jpg", "a/4.jpg", "C/x.gif", "C/y.bmp"] {
            try folder.write(path)
        }
        try folder.makeFolder(".git/objects")
        try folder.write("stray.jpg")
        return folder
    }

    @Test func classesAreSubfoldersInCodePointOrder() throws {
        let temporary = try smallFolder()
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.25, seed: 1)
        // Upper case sorts before lower case; hidden folders and loose files are not classes.
        #expect(folder.classNames == ["C", "a", "b"])
        #expect(folder.files.count == 9)
        #expect(folder.validation.count == 2 && folder.training.count == 7)
        for file in folder.files {
            #expect(folder.classNames[file.label] == String(file.relativePath.prefix(1)))
        }
    }

    @Test func classNamesGiveOrderAndSubset() throws {
        let temporary = try smallFolder()
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0, seed: 1, classNames: ["b", "C"])
        #expect(folder.classNames == ["b", "C"])
        #expect(folder.validation.isEmpty && folder.training == folder.files)
        let expected = ["b/1.png", "b/2.png", "b/3.png", "C/x.gif", "C/y.bmp"]
        #expect(Set(folder.files.map(\.relativePath)) == Set(expected))
        for file in folder.files {
            #expect(file.label == (file.relativePath.hasPrefix("b/") ? 0 : 1))
        }
    }

    @Test func splitIsDeterministicPerSeedAndLastFilesValidate() throws {
        let temporary = try TemporaryFolder()
        for index in 0..<40 { try temporary.write("class\(index % 3)/\(index).png") }
        let first = try ImageFolder(root: temporary.url, validationSplit: 0.3, seed: 123)
        let again = try ImageFolder(root: temporary.url, validationSplit: 0.3, seed: 123)
        let other = try ImageFolder(root: temporary.url, validationSplit: 0.3, seed: 124)
        #expect(first.files == again.files)
        #expect(first.validation == again.validation)
        #expect(first.files != other.files)
        #expect(Set(first.files.map(\.relativePath)) == Set(other.files.map(\.relativePath)))
        // int(0.3 * 40) = 12 validation files, the last ones of the shuffled list.
        #expect(first.validation.count == 12)
        #expect(first.training + first.validation == first.files)
        #expect(first.files(in: .training) == first.training)
        #expect(first.files(in: .validation) == first.validation)
        #expect(first.files(in: .all) == first.files)
    }

    @Test func validationCountTruncatesLikePython() throws {
        let temporary = try TemporaryFolder()
        for index in 0..<10 { try temporary.write("x/\(index).png") }
        // 0.29 * 10 = 2.9 → 2; 0.7 * 10 = 7.000000000000001 → 7.
        #expect(try ImageFolder(root: temporary.url, validationSplit: 0.29).validation.count == 2)
        #expect(try ImageFolder(root: temporary.url, validationSplit: 0.7).validation.count == 7)
        #expect(try ImageFolder(root: temporary.url, validationSplit: 0.1).validation.count == 1)
    }

    @Test func listsRecursivelyInKerasOrderByExtensionInAnyCase() throws {
        let temporary = try TemporaryFolder()
        let everything = [
            "cat/b.PNG", "cat/a.jpg", "cat/notes.txt", "cat/z.JpEg", "cat/.hidden/g.png", "cat/Sub/f.png",
            "cat/sub/c.gif", "cat/sub/deeper/d.bmp", "cat/sub b/e.png", "cat/x.jpg.txt", "cat/y.webp",
            "cat/A.Jpg", "cat/_u.jpeg", "dog/1.jpg",
        ]
        for path in everything { try temporary.write(path) }
        // What Keras's os.walk listing gives for this tree (checked with Python): directories sorted
        // as whole path strings ("sub b" before "sub/deeper"), hidden subfolders walked.
        let kerasListing = [
            "cat/A.Jpg", "cat/_u.jpeg", "cat/a.jpg", "cat/b.PNG", "cat/z.JpEg", "cat/.hidden/g.png",
            "cat/Sub/f.png", "cat/sub/c.gif", "cat/sub b/e.png", "cat/sub/deeper/d.bmp", "dog/1.jpg",
        ]
        var expected = kerasListing
        expected.shuffleLikeNumPy(seed: 9)
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.2, seed: 9)
        #expect(folder.files.map(\.relativePath) == expected)
        #expect(folder.files.map(\.label) == expected.map { $0.hasPrefix("cat/") ? 0 : 1 })
        #expect(folder.validation.map(\.relativePath) == Array(expected.suffix(2)))
    }

    @Test func symbolicLinksToFoldersAreNotWalkedInsideAClass() throws {
        let temporary = try TemporaryFolder()
        try temporary.write("outside/o.png")
        try temporary.write("cat/c.png")
        try FileManager.default.createSymbolicLink(
            at: temporary.url.appendingPathComponent("cat/link"),
            withDestinationURL: temporary.url.appendingPathComponent("outside"))
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0, classNames: ["cat"])
        #expect(folder.files.map(\.relativePath) == ["cat/c.png"])
    }

    @Test func errorsNameTheProblemAndTheFolder() throws {
        let temporary = try TemporaryFolder()
        let root = temporary.url
        func error(_ make: () throws -> ImageFolder) -> ImageFolderError? {
            do { _ = try make(); return nil } catch { return error as? ImageFolderError }
        }

        let missing = root.appendingPathComponent("nowhere")
        #expect(error { try ImageFolder(root: missing) } == .folderMissing(path: missing.path))
        #expect(error { try ImageFolder(root: root) } == .noClassFolders(path: root.path))

        try temporary.write("a.jpg")
        let file = root.appendingPathComponent("a.jpg")
        #expect(error { try ImageFolder(root: file) } == .notAFolder(path: file.path))

        try temporary.makeFolder("happy/nested")
        try temporary.write("happy/readme.txt")
        try temporary.makeFolder("sad")
        #expect(error { try ImageFolder(root: root) } == .noImages(folder: root.path))

        try temporary.write("happy/nested/1.jpg")
        #expect(error { try ImageFolder(root: root, validationSplit: 0) }
                == .emptyClassFolder(className: "sad", folder: root.appendingPathComponent("sad").path))
        // A folder only evaluated on may lack a class's images; the class keeps its label.
        let testSet = try ImageFolder(root: root, validationSplit: 0, allowingEmptyClasses: true)
        #expect(testSet.classNames == ["happy", "sad"] && testSet.files.map(\.relativePath) == ["happy/nested/1.jpg"])

        for split in [-0.1, 1, 1.5, .nan] {
            #expect(error { try ImageFolder(root: root, validationSplit: split) }?.description
                    == ImageFolderError.invalidValidationSplit(split).description)
        }
        #expect(error { try ImageFolder(root: root, classNames: ["happy", "fear"]) }
                == .classFolderMissing(className: "fear", folder: root.path, available: ["happy", "sad"]))
        #expect(error { try ImageFolder(root: root, classNames: ["happy", "happy"]) } == .duplicateClassName("happy"))
        #expect(error { try ImageFolder(root: root, classNames: []) } == .noClassNamesGiven)

        // One image: int(0.2 * 1) = 0 validation images (Keras would be left with no training set).
        #expect(error { try ImageFolder(root: root, validationSplit: 0.2, classNames: ["happy"]) }
                == .tooFewImagesForSplit(count: 1, validationSplit: 0.2, folder: root.path))
        #expect(try ImageFolder(root: root, validationSplit: 0, classNames: ["happy"]).training.count == 1)

        let described = ImageFolderError.emptyClassFolder(className: "sad", folder: "/d/sad").description
        #expect(described == "the class folder /d/sad of class 'sad' has no images (looked for .bmp .gif .jpeg .jpg .png, in any case)")
    }
}
