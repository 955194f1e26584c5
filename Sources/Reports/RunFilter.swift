import Tracking

/// A `nnlab runs --where` condition over the columns of a runs listing and the runs' tags,
/// written as SQL whose every value is a bound parameter: the user's text is never SQL.
///
///     expr      := term ('or' term)*
///     term      := factor ('and' factor)*
///     factor    := 'not' factor | '(' expr ')' | predicate
///     predicate := field op value
///                | field ['not'] 'in' '(' value (',' value)* ')'
///                | field ['not'] 'between' value 'and' value
///                | field 'is' ['not'] 'null'
///     op        := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
///     value     := number | "double-quoted" | 'single-quoted' | word
///     field     := identifier | 'tag.' KEY
///
/// Keywords are case-insensitive. A word is a run of letters, digits and `_ . - +`; a word that
/// reads as a finite number is a number, every other value is text. A field that holds numbers
/// is compared only with numbers: `lr < abc` is a mistake, not a condition every run meets.
public struct RunFilter: Sendable, Equatable {
  /// The longest expression taken, in characters, and the deepest nesting of `(` and `not`.
  static let maximumLength = 10_000
  static let maximumDepth = 100

  private let expression: Expression

  /// Parses `text`; throws ReportError.invalidFilter for a syntax error.
  public init(parsing text: String) throws {
    guard text.count <= Self.maximumLength else {
      throw ReportError.invalidFilter("longer than \(Self.maximumLength) characters")
    }
    var parser = Parser(tokens: try Token.tokens(in: text))
    expression = try parser.parse()
  }

  /// The condition as SQL over the row alias `row` (e.g. "run"), naming only `fields` (column
  /// names of the listing) and `tag.KEY`; parameters are named `<prefix>1`, `<prefix>2`, … and
  /// appear in the SQL as `:<prefix>1` etc. `numberFields`, those of `fields` that hold numbers,
  /// take only numbers.
  /// - Throws: ReportError.invalidFilter for a field not in `fields`, or a number field with a
  ///   value that is not a number.
  public func sql(
    fields: [String], numberFields: Set<String> = [], row: String,
    parameterPrefix: String = "filter"
  ) throws -> (condition: String, parameters: [String: SQLValue]) {
    var writer = SQLWriter(
      fields: fields, numberFields: numberFields, row: row, prefix: parameterPrefix)
    let condition = try writer.write(expression)
    return (condition, writer.parameters)
  }
}

/// A parsed condition; `or` and `and` hold all the operands of a chain.
private indirect enum Expression: Sendable, Equatable {
  case or([Expression])
  case and([Expression])
  case not(Expression)
  case predicate(field: String, Test)
}

/// What a predicate asks of its field; comparison operators are already SQL's (`=`, `<>`, …).
private enum Test: Sendable, Equatable {
  case compare(String, SQLValue)
  case among([SQLValue], negated: Bool)
  case between(SQLValue, SQLValue, negated: Bool)
  case isNull(negated: Bool)

  /// The values the field is compared with.
  var values: [SQLValue] {
    switch self {
    case .compare(_, let value): [value]
    case .among(let values, _): values
    case .between(let low, let high, _): [low, high]
    case .isNull: []
    }
  }

  /// Whether every value is a number (a tag, stored as text, is then compared as a number).
  var isNumeric: Bool { !values.isEmpty && values.allSatisfy { $0.number != nil } }
}

private enum Token: CustomStringConvertible {
  case word(String)
  case quoted(String)
  case symbol(String)

  static let keywords: Set = ["and", "or", "not", "in", "between", "is", "null"]
  static let symbols = ["==", "!=", "<>", "<=", ">=", "=", "<", ">", "(", ")", ","]

  var description: String {
    switch self {
    case .word(let text), .symbol(let text): "'\(text)'"
    case .quoted(let text): "'\(String(reflecting: text))'"
    }
  }

  /// Whether this is the symbol `text`, or the keyword `text` in any case.
  func matches(_ text: String) -> Bool {
    switch self {
    case .word(let word): word.lowercased() == text
    case .symbol(let symbol): symbol == text
    case .quoted: false
    }
  }

  static func isWordCharacter(_ character: Character) -> Bool {
    character.isLetter || character.isNumber || "_.-+".contains(character)
  }

  /// The tokens of `text`: words, quoted strings (a doubled quote is one quote) and symbols.
  static func tokens(in text: String) throws -> [Token] {
    var tokens: [Token] = []
    var rest = Substring(text)
    while let first = rest.first {
      if first.isWhitespace {
        rest.removeFirst()
      } else if isWordCharacter(first) {
        let word = rest.prefix(while: isWordCharacter)
        tokens.append(.word(String(word)))
        rest.removeFirst(word.count)
      } else if first == "\"" || first == "'" {
        rest.removeFirst()
        var value = ""
        while true {
          guard let end = rest.firstIndex(of: first) else {
            throw ReportError.invalidFilter("a string opened with \(first) is never closed")
          }
          value += rest[..<end]
          rest = rest[rest.index(after: end)...]
          guard rest.first == first else { break }
          value.append(first)
          rest.removeFirst()
        }
        tokens.append(.quoted(value))
      } else if let symbol = symbols.first(where: { rest.hasPrefix($0) }) {
        tokens.append(.symbol(symbol))
        rest.removeFirst(symbol.count)
      } else {
        throw ReportError.invalidFilter("unexpected '\(first)'")
      }
    }
    return tokens
  }
}

/// Recursive descent over the tokens, one method for each rule of the grammar.
private struct Parser {
  static let operators = [
    "=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
  ]

  let tokens: [Token]
  var position = 0
  var depth = 0

  var current: Token? { position < tokens.count ? tokens[position] : nil }

  mutating func parse() throws -> Expression {
    guard !tokens.isEmpty else { throw ReportError.invalidFilter("the expression is empty") }
    let expression = try expr()
    if let current {
      throw ReportError.invalidFilter("unexpected \(current) after a complete condition")
    }
    return expression
  }

  /// The error `message`, saying where the parser is.
  func failure(_ message: String) -> ReportError {
    .invalidFilter(message + (current.map { " at \($0)" } ?? " at the end"))
  }

  /// Consumes the next token if it is the symbol or keyword `text`.
  mutating func take(_ text: String) -> Bool {
    guard current?.matches(text) == true else { return false }
    position += 1
    return true
  }

  mutating func expr() throws -> Expression {
    var terms = [try term()]
    while take("or") { terms.append(try term()) }
    return terms.count == 1 ? terms[0] : .or(terms)
  }

  mutating func term() throws -> Expression {
    var factors = [try factor()]
    while take("and") { factors.append(try factor()) }
    return factors.count == 1 ? factors[0] : .and(factors)
  }

  mutating func factor() throws -> Expression {
    let negated = take("not")
    guard negated || take("(") else { return try predicate() }
    depth += 1
    defer { depth -= 1 }
    guard depth <= RunFilter.maximumDepth else {
      throw ReportError.invalidFilter("nested deeper than \(RunFilter.maximumDepth) levels")
    }
    if negated { return .not(try factor()) }
    let inner = try expr()
    guard take(")") else { throw failure("expected ')'") }
    return inner
  }

  mutating func predicate() throws -> Expression {
    guard case .word(let field) = current, Self.isField(field) else {
      throw failure("expected a field (a column or tag.KEY)")
    }
    position += 1
    if take("is") {
      let negated = take("not")
      guard take("null") else { throw failure("expected 'null' after 'is'") }
      return .predicate(field: field, .isNull(negated: negated))
    }
    let negated = take("not")
    if take("in") {
      guard take("(") else { throw failure("expected '(' after 'in'") }
      var values = [try value(after: "(")]
      while take(",") { values.append(try value(after: ",")) }
      guard take(")") else { throw failure("expected ',' or ')' in the list") }
      return .predicate(field: field, .among(values, negated: negated))
    }
    if take("between") {
      let low = try value(after: "between")
      guard take("and") else { throw failure("expected 'and' in 'between'") }
      return .predicate(field: field, .between(low, try value(after: "and"), negated: negated))
    }
    guard !negated else { throw failure("expected 'in' or 'between' after 'not'") }
    guard case .symbol(let symbol) = current, let sqlOperator = Self.operators[symbol] else {
      throw failure("expected an operator after '\(field)'")
    }
    position += 1
    return .predicate(field: field, .compare(sqlOperator, try value(after: symbol)))
  }

  mutating func value(after previous: String) throws -> SQLValue {
    switch current {
    case .quoted(let text):
      position += 1
      return .text(text)
    case .word(let word) where !Token.keywords.contains(word.lowercased()):
      position += 1
      return SQLValue(parsing: word)
    default:
      throw failure("expected a value after '\(previous)'")
    }
  }

  /// An identifier that is not a keyword, or `tag.` and a key.
  static func isField(_ word: String) -> Bool {
    if word.hasPrefix("tag.") { return word.count > 4 }
    guard let first = word.first, first.isLetter || first == "_" else { return false }
    return !Token.keywords.contains(word.lowercased())
      && word.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
  }
}

/// Writes an expression as SQL, binding each value to the next parameter.
private struct SQLWriter {
  let fields: [String]
  let numberFields: Set<String>
  let row: String
  let prefix: String
  var parameters: [String: SQLValue] = [:]

  mutating func bind(_ value: SQLValue) -> String {
    let name = "\(prefix)\(parameters.count + 1)"
    parameters[name] = value
    return ":\(name)"
  }

  /// `expression` as SQL; every `and` and `or` is parenthesized, every `not` is `NOT (…)`.
  mutating func write(_ expression: Expression) throws -> String {
    switch expression {
    case .or(let operands): "(\(try operands.map { try write($0) }.joined(separator: " OR ")))"
    case .and(let operands): "(\(try operands.map { try write($0) }.joined(separator: " AND ")))"
    case .not(let operand):
      switch operand {
      case .or, .and: "NOT \(try write(operand))"
      case .not, .predicate: "NOT (\(try write(operand)))"
      }
    case .predicate(let field, let test): try write(field, test)
    }
  }

  mutating func write(_ field: String, _ test: Test) throws -> String {
    let subject: String
    if field.hasPrefix("tag.") {
      let key = bind(.text(String(field.dropFirst(4))))
      let lookup = "(SELECT value FROM tags WHERE tags.run_id = \(row).id AND tags.key = \(key))"
      subject = test.isNumeric ? "CAST(\(lookup) AS REAL)" : lookup
    } else if fields.contains(field) {
      // A quoted number ('0.1') is still a number; SQLite compares it as one.
      if numberFields.contains(field),
        let word = test.values.compactMap(\.text).first(where: {
          SQLValue(parsing: $0).number == nil
        })
      {
        throw ReportError.invalidFilter(
          "\(field) holds numbers and cannot be compared with '\(word)'")
      }
      subject = "\(row).\"\(field)\""
    } else {
      let known = (fields + ["tag.KEY"]).joined(separator: ", ")
      throw ReportError.invalidFilter("unknown field '\(field)' (known: \(known))")
    }
    switch test {
    case .compare(let sqlOperator, let value):
      return "\(subject) \(sqlOperator) \(bind(value))"
    case .among(let values, let negated):
      let list = values.map { bind($0) }.joined(separator: ", ")
      return "\(subject)\(negated ? " NOT" : "") IN (\(list))"
    case .between(let low, let high, let negated):
      return "\(subject)\(negated ? " NOT" : "") BETWEEN \(bind(low)) AND \(bind(high))"
    case .isNull(let negated):
      return "\(subject) IS\(negated ? " NOT" : "") NULL"
    }
  }
}
