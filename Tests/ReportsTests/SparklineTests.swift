import Testing

@testable import Reports

@Suite struct SparklineTests {
  @Test func aSeriesRunsFromTheLowestBlockToTheHighest() {
    #expect(Sparkline.line([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
    #expect(Sparkline.line([5, 5, 5]) == "▁▁▁")
    #expect(Sparkline.line([]) == "")
    // Eight values in four characters: each the mean of two.
    #expect(Sparkline.line([0, 0, 1, 1, 2, 2, 3, 3], width: 4) == "▁▃▆█")
    // On a log scale 0.001 … 1000 rise evenly.
    let decades = [0.001, 0.01, 0.1, 1, 10, 100, 1000]
    #expect(Sparkline.wantsLogScale(decades) && !Sparkline.wantsLogScale([1, 9]))
    #expect(Sparkline.line(decades, logarithmic: true) == "▁▂▃▅▆▇█")
  }

  @Test func hugeAndNonFiniteValuesDrawWithoutTrapping() {
    let huge = Double.greatestFiniteMagnitude
    #expect(Sparkline.line([-huge, huge, huge, -huge], width: 2) == "▁▁")
    #expect(Sparkline.line([-huge, huge]) == "▁█")
    #expect(Sparkline.line([.nan, 1, .infinity, 2]) == "▁█")
  }
}
