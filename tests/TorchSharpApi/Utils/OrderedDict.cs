// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace TorchSharp.Utils
{
    /// <summary>A dictionary that enumerates in insertion order (as (key, value) tuples).</summary>
    public class OrderedDict<TKey, TValue> : IDictionary<TKey, TValue>, IList<(TKey, TValue)>
    {
        private readonly List<(TKey, TValue)> list = new List<(TKey, TValue)>();
        private readonly Dictionary<TKey, TValue> dict = new Dictionary<TKey, TValue>();

        public void clear() => Clear();

        public IEnumerator<(TKey, TValue)> items() => list.GetEnumerator();

        public IEnumerable<TKey> keys() => list.Select(kv => kv.Item1);

        public IEnumerable<TValue> values() => list.Select(kv => kv.Item2);

        public (TKey, TValue) this[int index]
        {
            get => list[index];
            set
            {
                dict.Remove(list[index].Item1);
                list[index] = value;
                dict[value.Item1] = value.Item2;
            }
        }

        public TValue this[TKey key]
        {
            get => dict[key];
            set
            {
                var index = IndexOfKey(key);
                if (index < 0)
                {
                    Add(key, value);
                }
                else
                {
                    dict[key] = value;
                    list[index] = (key, value);
                }
            }
        }

        public bool IsReadOnly => false;

        public ICollection<TKey> Keys => list.Select(kv => kv.Item1).ToList();

        public ICollection<TValue> Values => list.Select(kv => kv.Item2).ToList();

        public int Count => list.Count;

        public void Add((TKey, TValue) item) => Add(item.Item1, item.Item2);

        public void Add(TKey key, TValue value)
        {
            dict.Add(key, value);
            list.Add((key, value));
        }

        public void Add(KeyValuePair<TKey, TValue> item) => Add(item.Key, item.Value);

        public bool Contains((TKey, TValue) item) => list.Contains(item);

        public bool Contains(KeyValuePair<TKey, TValue> item) => dict.TryGetValue(item.Key, out var v) && EqualityComparer<TValue>.Default.Equals(v, item.Value);

        public bool ContainsKey(TKey key) => dict.ContainsKey(key);

        public void CopyTo((TKey, TValue)[] array, int arrayIndex) => list.CopyTo(array, arrayIndex);

        public void CopyTo(KeyValuePair<TKey, TValue>[] array, int arrayIndex)
        {
            foreach (var (k, v) in list) array[arrayIndex++] = new KeyValuePair<TKey, TValue>(k, v);
        }

        public int IndexOf((TKey, TValue) item) => list.IndexOf(item);

        public void Insert(int index, (TKey, TValue) item)
        {
            dict.Add(item.Item1, item.Item2);
            list.Insert(index, item);
        }

        public bool Remove((TKey, TValue) item) => list.Contains(item) && Remove(item.Item1);

        public bool Remove(KeyValuePair<TKey, TValue> item) => Contains(item) && Remove(item.Key);

        public bool Remove(TKey key)
        {
            var index = IndexOfKey(key);
            if (index < 0) return false;
            list.RemoveAt(index);
            return dict.Remove(key);
        }

        public void RemoveAt(int index)
        {
            var key = list[index].Item1;
            list.RemoveAt(index);
            dict.Remove(key);
        }

        public bool TryGetValue(TKey key, out TValue value) => dict.TryGetValue(key, out value);

        public void Clear()
        {
            dict.Clear();
            list.Clear();
        }

        public IEnumerator<(TKey, TValue)> GetEnumerator() => list.GetEnumerator();

        IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator()
            => list.Select(kv => new KeyValuePair<TKey, TValue>(kv.Item1, kv.Item2)).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private int IndexOfKey(TKey key)
        {
            var comparer = EqualityComparer<TKey>.Default;
            for (var i = 0; i < list.Count; i++)
            {
                if (comparer.Equals(list[i].Item1, key)) return i;
            }

            return -1;
        }
    }
}
