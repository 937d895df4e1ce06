// The JSON fixtures of the data tests (made by Fixtures/make_fixtures.py).

import Foundation
import EmotionTestSupport

/// Decodes `Fixtures/<name>` of this test target.
func jsonFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: RepositoryPaths.fixtures().appendingPathComponent(name)))
}
