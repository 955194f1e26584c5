import Foundation
import TestSupport
import Testing
import Tracking

@testable import Reports

/// Each report of the catalog on the fixture, against the same figures read through the
/// storage layer's own queries and computed here.
@Suite struct CatalogTests {
  /// Mean and sample standard deviation.
  func meanAndSpread(_ values: [Double]) -> (Double, Double?) {
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return (mean, nil) }
    let squares = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
    return (mean, (squares / Double(values.count - 1)).squareRoot())
  }

  /// The reading both curves give, decided here: high variance where validation is above
  /// train by more than 20 % of validation and 5 % of the untrained error; high bias where
  /// they are closer and train is still a quarter of the untrained error, or no lower than
  /// the best validation error of the curve.
  func diagnosis(train: Double, validation: Double, untrained: Double, bestValidation: Double)
    -> String
  {
    let gap = validation - train
    if gap > 0.2 * validation && gap > 0.05 * untrained { return "high variance" }
    return train >= 0.25 * untrained || train >= bestValidation ? "high bias" : "good fit"
  }

  /// The mean epoch-0 train error of `runs`.
  func untrainedError(_ runs: [Run], _ store: RunDatabase) throws -> Double {
    meanAndSpread(try runs.map { try #require(try store.epoch(0, of: $0.id)).trainError }).0
  }

  @Test func everyFileOfTheCatalogHasADescriptionAndBindsWhatItDeclares() throws {
    #expect(
      Set(Report.catalog.map(\.name)) == [
        "diverged", "gradients", "learning-curve", "learning-curves", "runs", "sweep",
        "validation-curve",
      ])
    let store = try Fixture.open()
    for report in Report.catalog {
      #expect(!report.description.isEmpty, "\(report.name)")
      // Every declared parameter is used: the query refuses a value it has no parameter for.
      _ = try report.run(on: store)
    }
    #expect(try Report.named("sweep").view == .grid)
    #expect(throws: ReportError.self) { try Report.named("sweeps") }
    #expect(throws: ReportError.self) { try Report.named("sweep").bindings(["sweeep": "1"]) }
  }

  @Test func theSweepGridAveragesSeedsAndMarksTheBestCell() throws {
    let store = try Fixture.open()
    let runs = try store.runs(RunQuery(sweep: 1))
    let result = try Report.named("sweep").run(on: store, arguments: ["sweep": "1"])
    #expect(result.rows.count == 3)
    var means: [Double: Double] = [:]
    for cell in result.records {
      let lambda = try #require(cell["lambda"]?.number)
      let members = runs.filter { $0.spec.lambda == lambda }
      let (mean, spread) = meanAndSpread(members.compactMap(\.finalValidationError))
      let best = meanAndSpread(members.compactMap(\.bestValidationError)).0
      #expect(cell["runs"] == .integer(2) && cell["finished"] == .integer(2))
      #expect(abs(try #require(cell["final_error"]?.number) - mean) < 1e-12)
      #expect(abs(try #require(cell["final_error_std"]?.number) - spread!) < 1e-12)
      #expect(abs(try #require(cell["best_error"]?.number) - best) < 1e-12)
      #expect(cell["measured_on"] == .text("validation"))
      means[lambda] = mean
    }
    let bestLambda = try #require(means.min { $0.value < $1.value }?.key)
    #expect(
      result.records.filter { $0["best"] == .integer(1) }.map { $0["lambda"]?.number } == [
        bestLambda
      ])
    // On the terminal: one row per λ, the best cell starred.
    let text = ReportText(result, view: .grid, colour: false).lines.joined(separator: "\n")
    #expect(text.contains("*") && text.contains(" ± "))

    // The latest sweep by default; the diverged cell marked.
    let latest = try Report.named("sweep").run(on: store)
    #expect(latest.records.first { $0["lr"]?.number == 100 }?["diverged"] == .integer(1))
    #expect(ReportText(latest, view: .grid, colour: false).lines.contains { $0.contains("÷") })
  }

  /// The course's reading: small λ overfits, large λ underfits.
  @Test func theValidationCurveDiagnosesBiasAndVariance() throws {
    let store = try Fixture.open()
    let runs = try store.runs(RunQuery(sweep: 1))
    let result = try Report.named("validation-curve").run(on: store, arguments: ["sweep": "1"])
    #expect(result.column("lambda").map(\.number) == [0, 0.03, 30])
    var diagnoses: [String] = []
    for point in result.records {
      let members = runs.filter { $0.spec.lambda == point["lambda"]?.number }
      let train = meanAndSpread(members.compactMap(\.finalTrainError)).0
      let validation = meanAndSpread(members.compactMap(\.finalValidationError)).0
      let untrained = try untrainedError(members, store)
      #expect(abs(try #require(point["train_error"]?.number) - train) < 1e-12)
      #expect(abs(try #require(point["untrained_error"]?.number) - untrained) < 1e-12)
      #expect(abs(try #require(point["gap"]?.number) - (validation - train) / validation) < 1e-12)
      let bestValidation = try #require(
        Dictionary(grouping: runs, by: \.spec.lambda).values.map {
          meanAndSpread($0.compactMap(\.finalValidationError)).0
        }.min())
      let expected = diagnosis(
        train: train, validation: validation, untrained: untrained,
        bestValidation: bestValidation)
      #expect(point["diagnosis"]?.text == expected)
      diagnoses.append(expected)
    }
    #expect(diagnoses.first == "high variance" && diagnoses.last == "high bias")
    let reading = ReportText(result, view: .validationCurve, colour: false).lines.joined(
      separator: "\n")
    #expect(reading.contains("Larger λ: high bias (both errors high and close)."))
    let best = try #require(
      result.records.min { $0["validation_error"]!.number! < $1["validation_error"]!.number! })
    #expect(reading.contains("best λ = \(ReportText.human(best["lambda"]!))"))
    #expect(best["best"] == .integer(1))
  }

  @Test func theLearningCurveRunsOverTheTrainingSetSize() throws {
    let store = try Fixture.open()
    let result = try Report.named("learning-curve").run(on: store, arguments: ["sweep": "2"])
    #expect(result.column("train_examples") == [.integer(10), .integer(40), .integer(160)])
    let runs = try store.runs(RunQuery(sweep: 2))
    for point in result.records {
      let run = try #require(
        runs.first {
          $0.spec.trainExamples.map(Int64.init) == point["train_examples"]?.number.map(Int64.init)
        })
      #expect(point["validation_error"]?.number == run.finalValidationError)
      let expected = diagnosis(
        train: try #require(run.finalTrainError),
        validation: try #require(run.finalValidationError),
        untrained: try untrainedError([run], store),
        bestValidation: try #require(runs.compactMap(\.finalValidationError).min()))
      #expect(point["diagnosis"]?.text == expected)
    }
    // Ten examples of three spirals: memorized, not learned.
    #expect(result.records.first?["diagnosis"] == .text("high variance"))
    let reading = ReportText(result, view: .learningCurve, colour: false).lines
    #expect(reading.last?.hasPrefix("  at m = 160: ") == true)
  }

  @Test func learningCurvesAreTheEpochSeriesInLongForm() throws {
    let store = try Fixture.open()
    let result = try Report.named("learning-curves").run(on: store, arguments: ["sweep": "2"])
    let runs = try store.runs(RunQuery(sweep: 2))
    let epochs = try runs.flatMap { try store.epochs(of: $0.id) }
    #expect(result.rows.count == epochs.count)
    #expect(result.column("validation_error").map(\.number) == epochs.map(\.validationError))
    #expect(result.column("run").map(\.number) == epochs.map { Double($0.runId) })
  }

  @Test func gradientsGiveTheFirstToLastLayerRatio() throws {
    let store = try Fixture.open()
    let run = try #require(try store.runs(RunQuery(sweep: 1)).first)
    let result = try Report.named("gradients").run(
      on: store, arguments: ["run": String(run.id), "every": "50"])
    let layers = try store.layerEpochs(of: run.id)
    #expect(result.column("epoch").map(\.number) == [0, 0, 50, 50, 100, 100, 150, 150, 200, 200])
    for row in result.records {
      let epoch = try #require(row["epoch"]?.number)
      let first = try #require(layers.first { Double($0.epoch) == epoch && $0.layer == 1 })
      let last = try #require(layers.first { Double($0.epoch) == epoch && $0.layer == 2 })
      #expect(row["first_to_last"]?.number == first.gradientNorm / last.gradientNorm)
    }
    // By default about twenty epochs, and the last.
    let sampled = try Report.named("gradients").run(on: store, arguments: ["run": String(run.id)])
    #expect(Set(sampled.column("epoch").compactMap(\.number)).count == 21)
  }

  @Test func divergedListsTheRunThatBlewUp() throws {
    let store = try Fixture.open()
    let result = try Report.named("diverged").run(on: store)
    let diverged = try store.runs(RunQuery(statuses: [.diverged]))
    #expect(diverged.count == 1)
    #expect(result.column("run") == diverged.map { .integer($0.id) })
    #expect(result.column("lr") == [.real(100)])
    #expect(
      result.column("epoch")
        == diverged.map { $0.divergedEpoch.map { .integer(Int64($0)) } ?? .null })
  }

  @Test func runsHasEveryRunWithItsBestTrainError() throws {
    let store = try Fixture.open()
    let result = try Report.named("runs").run(on: store)
    let runs = try store.runs()
    #expect(result.column("id") == runs.map { .integer($0.id) })
    for (row, run) in zip(result.records, runs) {
      let best = try store.epochs(of: run.id).map(\.trainError).min()
      #expect(row["best_train_error"]?.number == best)
      #expect(row["status"]?.text == run.status.rawValue)
    }
  }
}
