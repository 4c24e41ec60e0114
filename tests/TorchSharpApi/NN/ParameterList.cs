// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// A list of parameters. Its RegisterComponents (run when a parent registers it) registers the items it
        /// holds then as "0".."n-1"; items added afterwards are not registered.
        /// </summary>
        public class ParameterList : torch.nn.Module, IList<Parameter>
        {
            private readonly List<Parameter> _list = new List<Parameter>();
            private bool _registered;

            public ParameterList(params Parameter[] parameters)
                : base(nameof(ParameterList))
            {
                if (parameters is not null) _list.AddRange(parameters);
            }

            protected override void RegisterComponents()
            {
                if (_registered) return;
                for (var i = 0; i < _list.Count; i++)
                {
                    register_parameter(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _list[i]);
                }

                _registered = true;
            }

            public Parameter this[int index]
            {
                get => _list[index];
                set => _list[index] = value;
            }

            public int Count => _list.Count;

            public bool IsReadOnly => false;

            public void Add(Parameter item) => _list.Add(item);

            public void append(params Parameter[] parameters)
            {
                if (parameters is not null) _list.AddRange(parameters);
            }

            public void extend(IEnumerable<Parameter> parameters) => _list.AddRange(parameters);

            public void Clear() => _list.Clear();

            public bool Contains(Parameter item) => _list.Contains(item);

            public void CopyTo(Parameter[] array, int arrayIndex) => _list.CopyTo(array, arrayIndex);

            public IEnumerator<Parameter> GetEnumerator() => _list.GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

            public int IndexOf(Parameter item) => _list.IndexOf(item);

            public void Insert(int index, Parameter item) => _list.Insert(index, item);

            public bool Remove(Parameter item) => _list.Remove(item);

            public void RemoveAt(int index) => _list.RemoveAt(index);
        }

        /// <summary>
        /// Parameters by name, in insertion order. Its RegisterComponents (run when a parent registers it)
        /// registers the items it holds then under their keys; items added afterwards are not registered.
        /// </summary>
        public class ParameterDict : torch.nn.Module, IDictionary<string, Parameter>, IList<(string, Parameter)>
        {
            private readonly Utils.OrderedDict<string, Parameter> _items = new Utils.OrderedDict<string, Parameter>();
            private bool _registered;

            public ParameterDict()
                : base(nameof(ParameterDict))
            {
            }

            protected override void RegisterComponents()
            {
                if (_registered) return;
                foreach (var (k, p) in _items) register_parameter(k, p);
                _registered = true;
            }

            public void clear() => _items.Clear();

            public IEnumerator<(string, Parameter)> items() => _items.GetEnumerator();

            public IEnumerable<string> keys() => _items.keys();

            public IEnumerable<Parameter> values() => _items.values();

            public (string, Parameter) this[int index]
            {
                get => _items[index];
                set => _items[index] = value;
            }

            public Parameter this[string key]
            {
                get => _items[key];
                set => _items[key] = value;
            }

            public bool IsReadOnly => false;

            public ICollection<string> Keys => _items.Keys;

            public ICollection<Parameter> Values => _items.Values;

            public int Count => _items.Count;

            public void Add((string, Parameter) item) => _items.Add(item);

            public void Add(string key, Parameter value) => _items.Add(key, value);

            public void Add(KeyValuePair<string, Parameter> item) => _items.Add(item);

            public bool Contains((string, Parameter) item) => _items.Contains(item);

            public bool Contains(KeyValuePair<string, Parameter> item) => _items.Contains(item);

            public bool ContainsKey(string key) => _items.ContainsKey(key);

            public void CopyTo((string, Parameter)[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

            public void CopyTo(KeyValuePair<string, Parameter>[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

            public int IndexOf((string, Parameter) item) => _items.IndexOf(item);

            public void Insert(int index, (string, Parameter) item) => _items.Insert(index, item);

            public bool Remove((string, Parameter) item) => _items.Remove(item);

            public bool Remove(KeyValuePair<string, Parameter> item) => _items.Remove(item);

            public bool Remove(string key) => _items.Remove(key);

            public void RemoveAt(int index) => _items.RemoveAt(index);

            public bool TryGetValue(string key, out Parameter value) => _items.TryGetValue(key, out value);

            public void Clear() => _items.Clear();

            public IEnumerator<(string, Parameter)> GetEnumerator() => _items.GetEnumerator();

            IEnumerator<KeyValuePair<string, Parameter>> IEnumerable<KeyValuePair<string, Parameter>>.GetEnumerator()
                => ((IEnumerable<(string, Parameter)>)_items).Select(kv => new KeyValuePair<string, Parameter>(kv.Item1, kv.Item2)).GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static ParameterList ParameterList(params Parameter[] parameters) => new ParameterList(parameters);

            public static ParameterDict ParameterDict(params (string, Parameter)[] parameters)
            {
                var result = new ParameterDict();
                foreach (var (n, p) in parameters) result.Add((n, p));
                return result;
            }
        }
    }
}
