// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace TorchSharp
{
    public static partial class torch
    {
        public static partial class nn
        {
            /// <summary>
            /// Base class of all modules. Parameters, buffers and submodules live in three ordered registries;
            /// custom modules fill them with <see cref="RegisterComponents"/> (reflection over fields, by runtime
            /// value, once) or the register_* methods.
            /// </summary>
            public class Module : IDisposable
            {
                private bool _areComponentsRegistered;
                private bool _training = true;
                private bool _disposed;

                protected Utils.OrderedDict<string, Module> _internal_submodules = new Utils.OrderedDict<string, Module>();
                protected Utils.OrderedDict<string, Tensor> _internal_buffers = new Utils.OrderedDict<string, Tensor>();
                protected Utils.OrderedDict<string, Parameter> _internal_params = new Utils.OrderedDict<string, Parameter>();
                protected string name;

                /// <summary>Constructor for custom modules.</summary>
                /// <param name="name">The module's name, for debugging.</param>
                protected Module(string name)
                {
                    this.name = name;
                }

                public virtual string GetName() => name;

                // ------------------------------------------------------------ registration

                /// <summary>
                /// Registers every field that holds a Module (submodule), Parameter (parameter) or other Tensor
                /// (buffer), by the field's runtime value: the derived type's fields first, then each base type's.
                /// Null fields are skipped; names are the field names verbatim unless [ComponentName] says otherwise.
                /// Runs once: parts assigned to fields afterwards are not registered.
                /// </summary>
                protected virtual void RegisterComponents()
                {
                    if (_areComponentsRegistered) return;

                    for (var type = GetType(); type is not null && type != typeof(object); type = type.BaseType)
                    {
                        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                        {
                            var fieldName = ComponentName(field);
                            if (_internal_submodules.ContainsKey(fieldName) || _internal_params.ContainsKey(fieldName) || _internal_buffers.ContainsKey(fieldName)) continue;

                            switch (field.GetValue(this))
                            {
                                case Module module:
                                    register_module(fieldName, module);
                                    break;
                                case Parameter param:
                                    register_parameter(fieldName, param);
                                    break;
                                case Tensor tensor:
                                    register_buffer(fieldName, tensor);
                                    break;
                            }
                        }
                    }

                    _areComponentsRegistered = true;
                }

                private static string ComponentName(FieldInfo field)
                    => field.GetCustomAttribute<ComponentNameAttribute>() is { Name: { } n } ? n : field.Name;

                public virtual void register_buffer(string name, Tensor tensor)
                {
                    if (tensor is null || tensor.handle == IntPtr.Zero)
                        throw new ArgumentNullException(nameof(tensor), "Cannot register a null or disposed tensor as a buffer.");
                    if (_internal_buffers.ContainsKey(name))
                        throw new InvalidOperationException($"A buffer named '{name}' exists already.");
                    _internal_buffers.Add(name, tensor);
                }

                public virtual void register_parameter(string name, Parameter param)
                {
                    if (param is null || param.handle == IntPtr.Zero)
                        throw new ArgumentNullException(nameof(param), "Cannot register a null or disposed parameter.");
                    if (_internal_params.ContainsKey(name))
                        throw new InvalidOperationException($"A parameter named '{name}' exists already.");
                    _internal_params.Add(name, param);
                }

                public virtual void register_module(string name, Module submodule)
                {
                    if (submodule is null)
                    {
                        _internal_submodules.Remove(name);
                        return;
                    }

                    if (name.Contains('.')) throw new ArgumentException($"Submodule names may not contain a dot: '{name}'.");
                    if (string.IsNullOrEmpty(name)) throw new ArgumentException("Submodule names may not be empty.");
                    if (_internal_submodules.ContainsKey(name)) throw new InvalidOperationException($"A submodule named '{name}' exists already.");

                    submodule.RegisterComponents();
                    _internal_submodules.Add(name, submodule);
                }

                public void add_module(string name, Module module) => register_module(name, module);

                /// <summary>Registers, replaces (same position) or, for null, removes a parameter.</summary>
                protected void ConditionallyRegisterParameter(string name, Tensor value)
                {
                    if (value is null)
                    {
                        _internal_params.Remove(name);
                        return;
                    }

                    _internal_params[name] = value as Parameter ?? new Parameter(value, requires_grad: true);
                }

                /// <summary>Registers, replaces (same position) or, for null, removes a buffer.</summary>
                protected void ConditionallyRegisterBuffer(string name, Tensor value)
                {
                    if (value is null)
                    {
                        _internal_buffers.Remove(name);
                        return;
                    }

                    _internal_buffers[name] = value;
                }

                protected void ClearModules() => _internal_submodules.clear();

                /// <summary>Fixture helper for built-in layers: the parameter registered under a name.</summary>
                internal Parameter FixtureParameter(string key) => _internal_params.TryGetValue(key, out var p) ? p : null;

                /// <summary>Fixture helper for built-in layers: the buffer registered under a name.</summary>
                internal Tensor FixtureBuffer(string key) => _internal_buffers.TryGetValue(key, out var b) ? b : null;

                /// <summary>
                /// Fixture helper for built-in layers' setters, modelled on TorchSharp 0.99 (native layers): the layer
                /// keeps a new wrapper (new Handle) of the same tensor, so <c>head.weight = emb.weight</c> yields two
                /// wrappers over one data block and named_parameters() lists the tensor twice.
                /// </summary>
                internal void FixtureSetParameter(string key, Parameter value)
                    => ConditionallyRegisterParameter(key, value is null ? null : new Parameter(value, value.requires_grad));

                internal void FixtureSetBuffer(string key, Tensor value)
                    => ConditionallyRegisterBuffer(key, value is null ? null : new Tensor(value.impl));

                // ------------------------------------------------------------ enumeration

                public virtual IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
                {
                    var seen = new HashSet<IntPtr> { IntPtr.Zero };

                    foreach (var (n, p) in _internal_params)
                    {
                        if (!seen.Add(p.handle)) continue;
                        yield return (n, p);
                    }

                    if (!recurse) yield break;

                    foreach (var (submoduleName, subModule) in _internal_submodules)
                    {
                        foreach (var (n, p) in subModule.named_parameters(true))
                        {
                            if (!seen.Add(p.handle)) continue;
                            yield return ($"{submoduleName}.{n}", p);
                        }
                    }
                }

                public virtual IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(np => np.parameter);

                public virtual IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
                {
                    var seen = new HashSet<IntPtr> { IntPtr.Zero };

                    foreach (var (n, b) in _internal_buffers)
                    {
                        if (!seen.Add(b.handle)) continue;
                        yield return (n, b);
                    }

                    if (!recurse) yield break;

                    foreach (var (submoduleName, subModule) in _internal_submodules)
                    {
                        foreach (var (n, b) in subModule.named_buffers(true))
                        {
                            if (!seen.Add(b.handle)) continue;
                            yield return ($"{submoduleName}.{n}", b);
                        }
                    }
                }

                public virtual IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(nb => nb.buffer);

                public virtual IEnumerable<(string name, Module module)> named_children()
                {
                    foreach (var (n, m) in _internal_submodules) yield return (n, m);
                }

                public virtual IEnumerable<Module> children() => named_children().Select(nc => nc.module);

                /// <summary>
                /// TorchSharp's order, not PyTorch's: the root is omitted and all direct children come before any
                /// grandchild.
                /// </summary>
                public virtual IEnumerable<(string name, Module module)> named_modules()
                {
                    foreach (var (n, m) in named_children())
                    {
                        yield return (n, m);
                    }

                    foreach (var (n, m) in named_children())
                    {
                        foreach (var (gn, gm) in m.named_modules())
                        {
                            yield return ($"{n}.{gn}", gm);
                        }
                    }
                }

                public virtual IEnumerable<Module> modules() => named_modules().Select(nm => nm.module);

                public virtual bool has_parameter(string target) => get_parameter(target) is not null;

                public virtual Parameter get_parameter(string target)
                {
                    if (_internal_params.TryGetValue(target, out var p)) return p;
                    var dot = target.IndexOf('.');
                    if (dot < 0) return null;
                    var head = target.Substring(0, dot);
                    foreach (var (n, m) in named_children())
                    {
                        if (n == head) return m.get_parameter(target.Substring(dot + 1));
                    }

                    return null;
                }

                public virtual bool has_buffer(string target) => get_buffer(target) is not null;

                public virtual Tensor get_buffer(string target)
                {
                    if (_internal_buffers.TryGetValue(target, out var b)) return b;
                    var dot = target.IndexOf('.');
                    if (dot < 0) return null;
                    var head = target.Substring(0, dot);
                    foreach (var (n, m) in named_children())
                    {
                        if (n == head) return m.get_buffer(target.Substring(dot + 1));
                    }

                    return null;
                }

                public virtual Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor> destination = null, string prefix = null)
                {
                    destination ??= new Dictionary<string, Tensor>();
                    foreach (var (n, p) in named_parameters())
                    {
                        destination.TryAdd(string.IsNullOrEmpty(prefix) ? n : $"{prefix}.{n}", p);
                    }

                    foreach (var (n, b) in named_buffers())
                    {
                        destination.TryAdd(string.IsNullOrEmpty(prefix) ? n : $"{prefix}.{n}", b);
                    }

                    return destination;
                }

                /// <summary>
                /// Writes the parameters and buffers to <paramref name="location"/>: in the fixture's own simple format
                /// (name, element count, float64 elements), not TorchSharp's, read back by <see cref="load"/>.
                /// </summary>
                public Module save(string location, IList<string> skip = null)
                {
                    using var stream = System.IO.File.Create(location);
                    using var writer = new System.IO.BinaryWriter(stream);
                    var entries = state_dict().Where(e => skip is null || !skip.Contains(e.Key)).ToList();
                    writer.Write(entries.Count);
                    foreach (var (key, tensor) in entries)
                    {
                        writer.Write(key);
                        writer.Write(tensor.numel());
                        for (long i = 0; i < tensor.numel(); i++) writer.Write(tensor.fixture_get(i));
                    }

                    return this;
                }

                /// <summary>Reads what <see cref="save"/> wrote into this module's parameters and buffers, by name.</summary>
                public virtual Module load(string location, bool strict = true, IList<string> skip = null, Dictionary<string, bool> loadedParameters = null)
                {
                    if (!System.IO.File.Exists(location)) throw new System.IO.FileNotFoundException(location);
                    using var stream = System.IO.File.OpenRead(location);
                    using var reader = new System.IO.BinaryReader(stream);
                    var targets = state_dict();
                    var count = reader.ReadInt32();
                    var seen = new HashSet<string>();
                    for (var e = 0; e < count; e++)
                    {
                        var key = reader.ReadString();
                        var numel = reader.ReadInt64();
                        var values = new double[numel];
                        for (long i = 0; i < numel; i++) values[i] = reader.ReadDouble();
                        if (skip is not null && skip.Contains(key)) continue;
                        if (!targets.TryGetValue(key, out var target))
                        {
                            if (strict) throw new ArgumentException($"Unexpected key '{key}' in '{location}'.");
                            continue;
                        }

                        if (target.numel() != numel) throw new ArgumentException($"'{key}' has {target.numel()} elements, the file {numel}.");
                        for (long i = 0; i < numel; i++) target.fixture_set(i, values[i]);
                        seen.Add(key);
                        if (loadedParameters is not null) loadedParameters[key] = true;
                    }

                    if (strict)
                    {
                        var missing = targets.Keys.Where(k => !seen.Contains(k) && (skip is null || !skip.Contains(k))).ToList();
                        if (missing.Count > 0) throw new ArgumentException($"Missing keys in '{location}': {string.Join(", ", missing)}.");
                    }

                    return this;
                }

                // ------------------------------------------------------------ modes and housekeeping

                public virtual Module apply(Action<Module> fn)
                {
                    foreach (var (_, m) in named_children()) m.apply(fn);
                    fn(this);
                    return this;
                }

                public virtual bool training => _training;

                public virtual void train(bool train = true)
                {
                    _training = train;
                    foreach (var (_, m) in named_children()) m.train(train);
                }

                public virtual void eval() => train(false);

                public virtual void zero_grad()
                {
                    foreach (var (_, p) in named_parameters())
                    {
                        p.fixture_grad_or_null()?.zero_();
                    }
                }

                public void Dispose()
                {
                    Dispose(true);
                    GC.SuppressFinalize(this);
                }

                /// <summary>Disposes this module's parameters and buffers, then its children.</summary>
                protected virtual void Dispose(bool disposing)
                {
                    if (!disposing || _disposed) return;
                    _disposed = true;
                    foreach (var (_, b) in _internal_buffers) b.Dispose();
                    foreach (var (_, p) in _internal_params) p.Dispose();
                    foreach (var (_, m) in named_children().ToList()) m.Dispose();
                }
            }

            /// <summary>A module whose forward() takes one argument.</summary>
            public interface IModule<T, TResult>
            {
                TResult call(T input1);
            }

            public interface IModule<T1, T2, TResult>
            {
                TResult call(T1 input1, T2 input2);
            }

            public interface IModule<T1, T2, T3, TResult>
            {
                TResult call(T1 input1, T2 input2, T3 input3);
            }

            public interface IModule<T1, T2, T3, T4, TResult>
            {
                TResult call(T1 input1, T2 input2, T3 input3, T4 input4);
            }

            public interface IModule<T1, T2, T3, T4, T5, TResult>
            {
                TResult call(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5);
            }

            public interface IModule<T1, T2, T3, T4, T5, T6, TResult>
            {
                TResult call(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5, T6 input6);
            }

            /// <summary>A module that accepts hooks. The fixture keeps the type but runs no hooks.</summary>
            public class HookableModule<TPreHook, TPostHook> : Module
            {
                protected HookableModule(string name) : base(name)
                {
                }
            }

            public abstract class Module<T, TResult> : HookableModule<Func<Module<T, TResult>, T, T>, Func<Module<T, TResult>, T, TResult, TResult>>, IModule<T, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T input);

                public TResult call(T input) => forward(input);
            }

            public abstract class Module<T1, T2, TResult> : HookableModule<Func<Module<T1, T2, TResult>, T1, T2, (T1, T2)?>, Func<Module<T1, T2, TResult>, T1, T2, TResult, TResult>>, IModule<T1, T2, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T1 input1, T2 input2);

                public TResult call(T1 input1, T2 input2) => forward(input1, input2);
            }

            public abstract class Module<T1, T2, T3, TResult> : HookableModule<Func<Module<T1, T2, T3, TResult>, T1, T2, T3, (T1, T2, T3)?>, Func<Module<T1, T2, T3, TResult>, T1, T2, T3, TResult, TResult>>, IModule<T1, T2, T3, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T1 input1, T2 input2, T3 input3);

                public TResult call(T1 input1, T2 input2, T3 input3) => forward(input1, input2, input3);
            }

            public abstract class Module<T1, T2, T3, T4, TResult> : HookableModule<Func<Module<T1, T2, T3, T4, TResult>, T1, T2, T3, T4, (T1, T2, T3, T4)?>, Func<Module<T1, T2, T3, T4, TResult>, T1, T2, T3, T4, TResult, TResult>>, IModule<T1, T2, T3, T4, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T1 input1, T2 input2, T3 input3, T4 input4);

                public TResult call(T1 input1, T2 input2, T3 input3, T4 input4) => forward(input1, input2, input3, input4);
            }

            public abstract class Module<T1, T2, T3, T4, T5, TResult> : HookableModule<Func<Module<T1, T2, T3, T4, T5, TResult>, T1, T2, T3, T4, T5, (T1, T2, T3, T4, T5)?>, Func<Module<T1, T2, T3, T4, T5, TResult>, T1, T2, T3, T4, T5, TResult, TResult>>, IModule<T1, T2, T3, T4, T5, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5);

                public TResult call(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5) => forward(input1, input2, input3, input4, input5);
            }

            public abstract class Module<T1, T2, T3, T4, T5, T6, TResult> : HookableModule<Func<Module<T1, T2, T3, T4, T5, T6, TResult>, T1, T2, T3, T4, T5, T6, (T1, T2, T3, T4, T5, T6)?>, Func<Module<T1, T2, T3, T4, T5, T6, TResult>, T1, T2, T3, T4, T5, T6, TResult, TResult>>, IModule<T1, T2, T3, T4, T5, T6, TResult>
            {
                protected Module(string name) : base(name)
                {
                }

                public abstract TResult forward(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5, T6 input6);

                public TResult call(T1 input1, T2 input2, T3 input3, T4 input4, T5 input5, T6 input6) => forward(input1, input2, input3, input4, input5, input6);
            }
        }
    }
}
