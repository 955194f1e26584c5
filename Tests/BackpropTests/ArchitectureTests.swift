import Testing

@testable import Backprop

struct ArchitectureTests {
  @Test func parsesTheCourseForm() throws {
    #expect(try Architecture(parsing: "400-25-10").layerSizes == [400, 25, 10])
    #expect(try Architecture(parsing: "2-8-8-1").layerSizes == [2, 8, 8, 1])
    #expect(try Architecture(parsing: "3-3").description == "3-3")
  }

  @Test func thetaShapesAreAsTheCourseSays() throws {
    let small = try Architecture(parsing: "3-3-3")
    #expect(small.thetaShape(1) == (3, 4))
    #expect(small.thetaShape(2) == (3, 4))
    let digits = try Architecture(parsing: "400-25-10")
    #expect(digits.thetaShape(1) == (25, 401))
    #expect(digits.thetaShape(2) == (10, 26))
    #expect(digits.parameterCount == 25 * 401 + 10 * 26)
    let network = Network(architecture: digits, seed: 1)
    #expect(network.thetas[1].shapeDescription == "25 × 401")
    #expect(network.thetas[2].shapeDescription == "10 × 26")
  }

  @Test(arguments: [
    ("3", "has 1 layer"),
    ("3--3", "no size for layer 2"),
    ("0-3", "layer 1 of architecture '0-3' has 0 units"),
    ("a-b", "layer 1 of architecture 'a-b' is 'a', not a whole number"),
    ("3-3-", "no size for layer 3"),
    ("", "no size for layer 1"),
    ("100000-100000-10", "more than 100000000 weights"),
    ("99999999999999999999-3", "not a whole number"),
    ("3-+3", "is '+3', not a whole number"),
  ])
  func badArchitecturesAreClearErrors(text: String, message: String) {
    do {
      _ = try Architecture(parsing: text)
      Issue.record("'\(text)' was accepted")
    } catch {
      #expect("\(error)".contains(message), "\(error)")
    }
  }
}
