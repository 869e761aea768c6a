return Conformance.Cli.CliApp.Run(args, Console.Out, Console.Error);
