namespace Yapit.Billing.Data;

/// <summary>
/// Splits a SQL script into statements at top-level semicolons (not inside quotes, dollar quotes or comments), so a
/// migration runs statement by statement and a failure can be reported with its line.
/// </summary>
public static class SqlScript
{
    public sealed record Statement(string Text, int Line);

    public static IReadOnlyList<Statement> Split(string sql)
    {
        var statements = new List<Statement>();
        var start = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '-' && Next(sql, i) == '-')
            {
                i = SkipPast(sql, i, "\n");
            }
            else if (c == '/' && Next(sql, i) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '\'')
            {
                var escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
                i = SkipQuoted(sql, i, '\'', escapes);
            }
            else if (c == '"')
            {
                i = SkipQuoted(sql, i, '"', backslashEscapes: false);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                i = SkipPast(sql, i + tag.Length, tag);
            }
            else if (c == ';')
            {
                Add(statements, sql, start, i);
                start = ++i;
            }
            else
            {
                i++;
            }
        }
        Add(statements, sql, start, sql.Length);
        return statements;
    }

    private static void Add(List<Statement> statements, string sql, int start, int end)
    {
        var text = sql[start..end];
        if (!HasCode(text))
        {
            return;
        }
        var leading = text.Length - text.TrimStart().Length;
        statements.Add(new Statement(text.Trim(), LineAt(sql, start + leading)));
    }

    public static int LineAt(string text, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }
        return line;
    }

    /// <summary>True when the text holds more than whitespace and comments.</summary>
    private static bool HasCode(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] == '-' && Next(text, i) == '-')
            {
                i = SkipPast(text, i, "\n");
            }
            else if (text[i] == '/' && Next(text, i) == '*')
            {
                i = SkipBlockComment(text, i);
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    private static char Next(string s, int i) => i + 1 < s.Length ? s[i + 1] : '\0';

    private static int SkipPast(string s, int from, string terminator)
    {
        var found = s.IndexOf(terminator, from + 1, StringComparison.Ordinal);
        return found < 0 ? s.Length : found + terminator.Length;
    }

    private static int SkipBlockComment(string s, int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            if (s[i] == '/' && Next(s, i) == '*')
            {
                depth++;
                i += 2;
            }
            else if (s[i] == '*' && Next(s, i) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }
        return i;
    }

    private static int SkipQuoted(string s, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < s.Length)
        {
            if (backslashEscapes && s[i] == '\\')
            {
                i += 2;
            }
            else if (s[i] == quote)
            {
                if (Next(s, i) == quote)
                {
                    i += 2; // doubled quote
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }
        return i;
    }

    /// <summary>"$$" or "$tag$" starting at <paramref name="i"/>; null when the dollar sign is something else ($1).</summary>
    private static string? DollarTag(string s, int i)
    {
        var j = i + 1;
        while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_'))
        {
            j++;
        }
        if (j < s.Length && s[j] == '$' && (j == i + 1 || !char.IsDigit(s[i + 1])))
        {
            return s[i..(j + 1)];
        }
        return null;
    }
}
