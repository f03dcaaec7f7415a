using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Python code handed to an ORM's shell (manage.py shell -c), read for its database calls.</summary>
public class PythonOrmCodeTests
{
    private static Effect Of(string code) => PythonOrmCode.EffectOf(code, []);

    [TestCase("Order.objects.all().delete()", Effect.Wipe)]
    [TestCase("Order.objects.filter(paid=False).delete()", Effect.Delete)]
    [TestCase("Order.objects.update(status='void')", Effect.Wipe)]
    [TestCase("Order.objects.filter(id=3).update(status='void')", Effect.Write)]
    [TestCase("session.query(Order).update({'status': 'void'})", Effect.Wipe)]
    [TestCase("from app.db import Base, engine; Base.metadata.drop_all(engine)", Effect.Drop)]
    [TestCase("from django.core.management import call_command; call_command('flush', interactive=False)", Effect.Wipe)]
    [TestCase("from django.db import connection\nconnection.cursor().execute(\"\"\"\n  DROP TABLE orders\n\"\"\")", Effect.Drop)]
    [TestCase("engine.connect().execute(text('TRUNCATE sessions'))", Effect.Truncate)]
    public void ADatabaseCallIsRead(string code, Effect effect) => Assert.That(Of(code), Is.EqualTo(effect));

    // What cannot be read is unknown, never a read: SQL built at run time, a command named by a variable.
    [TestCase("t = 'orders'; connection.cursor().execute(f'DROP TABLE {t}')")]
    [TestCase("connection.cursor().execute(sql)")]
    [TestCase("name = 'flush'; call_command(name)")]
    [TestCase("d = {}; d.update(a=1); print(d)")] // a dict's update is no database write
    [TestCase("print(Order.objects.count())")]
    public void WhatCannotBeReadIsUnknown(string code) => Assert.That(Of(code), Is.EqualTo(Effect.Unknown));

    [Test]
    public void AReadIsARead() => Assert.That(Of("connection.cursor().execute('SELECT count(*) FROM orders')"), Is.EqualTo(Effect.Read));
}
