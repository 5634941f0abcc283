using Yapit.Billing.Data;

namespace Yapit.Tests.Migrations;

[Trait("Category", "Unit")]
public sealed class SqlScriptTests
{
    [Fact]
    public void Splits_at_top_level_semicolons_with_each_statement_line()
    {
        var statements = SqlScript.Split("CREATE TABLE a (id int);\n\n-- a comment; not a statement\nCREATE TABLE b (id int);\n");

        Assert.Equal([("CREATE TABLE a (id int)", 1), ("-- a comment; not a statement\nCREATE TABLE b (id int)", 3)],
            statements.Select(s => (s.Text, s.Line)));
    }

    [Theory]
    [InlineData("SELECT 'a;b';", 1)]
    [InlineData("SELECT \"odd;name\" FROM t;", 1)]
    [InlineData("SELECT 'it''s; fine';", 1)]
    [InlineData("SELECT E'back\\';slash';", 1)]
    [InlineData("/* a; /* nested; */ still */ SELECT 1;", 1)]
    [InlineData("DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;", 1)]
    [InlineData("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT 2;", 2)]
    [InlineData("SELECT $1::int; SELECT 3;", 2)]
    [InlineData("-- only a comment;\n/* and another; */", 0)]
    public void Semicolons_inside_quotes_comments_and_dollar_quotes_do_not_split(string sql, int count)
    {
        Assert.Equal(count, SqlScript.Split(sql).Count);
    }
}
