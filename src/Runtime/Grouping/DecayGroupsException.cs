using System;
using System.Collections.Generic;

namespace WdGen
{
    /// <summary>
    /// The generated groups do not match what TorchSharp registered, or a tied tensor's paths disagree on
    /// decay. <see cref="Problems"/> lists each problem with the parameter names and how to fix it.
    /// </summary>
    public sealed class DecayGroupsException : InvalidOperationException
    {
        /// <summary>Creates the exception for <paramref name="model"/> with one or more problems.</summary>
        public DecayGroupsException(string model, IReadOnlyList<string> problems)
            : base(Format(model, problems))
        {
            Model = model;
            Problems = problems;
        }

        /// <summary>The model type whose groups failed validation.</summary>
        public string Model { get; }

        /// <summary>One sentence per problem, each naming the parameters involved and the fix.</summary>
        public IReadOnlyList<string> Problems { get; }

        private static string Format(string model, IReadOnlyList<string> problems)
        {
            var header = "WdGen could not build the decay groups of " + model + " (" + problems.Count + (problems.Count == 1 ? " problem" : " problems") + "):";
            return header + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems);
        }
    }
}
