// btf.cc — see btf.h. Layouts from include/uapi/linux/btf.h.
#include "btf.h"

#include <linux/btf.h>

#include <cstring>

namespace netstat {

namespace {

constexpr size_t kTypeRecord = sizeof(struct btf_type);  // 12 bytes
// Typedef chains and anonymous-member nesting in real kernels are a few
// levels deep; the limits only stop a malicious blob's cycles.
constexpr int kMaxHops = 32;
constexpr int kMaxNesting = 16;

// Bytes that follow a type record of `kind` with `vlen` entries, or -1 for
// a kind this reader does not know (its length cannot be known either).
int64_t TrailingBytes(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return 0;
    case BTF_KIND_ARRAY:
      return sizeof(struct btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return static_cast<int64_t>(vlen) * sizeof(struct btf_member);
    case BTF_KIND_ENUM:
      return static_cast<int64_t>(vlen) * sizeof(struct btf_enum);
    case BTF_KIND_FUNC_PROTO:
      return static_cast<int64_t>(vlen) * sizeof(struct btf_param);
    case BTF_KIND_DATASEC:
      return static_cast<int64_t>(vlen) * sizeof(struct btf_var_secinfo);
    case BTF_KIND_ENUM64:
      return static_cast<int64_t>(vlen) * sizeof(struct btf_enum64);
    default:
      return -1;
  }
}

}  // namespace

uint32_t Btf::Read32(size_t at) const {
  uint32_t value;
  std::memcpy(&value, data_ + at, sizeof value);
  return value;
}

bool Btf::Parse(const uint8_t* data, size_t size, std::string* error) {
  data_ = data;
  offsets_.clear();
  struct btf_header header;
  if (size < sizeof header) {
    *error = "BTF shorter than its header";
    return false;
  }
  std::memcpy(&header, data_, sizeof header);
  if (header.magic != BTF_MAGIC) {
    *error = "not BTF of this machine's byte order (magic " + std::to_string(header.magic) + ")";
    return false;
  }
  if (header.version != BTF_VERSION) {
    *error = "BTF version " + std::to_string(header.version) + " (this reader knows " + std::to_string(BTF_VERSION) + ")";
    return false;
  }
  // Sections are relative to the header's end; all sums in 64 bits so none wraps.
  const uint64_t base = header.hdr_len;
  const uint64_t types = base + header.type_off;
  const uint64_t types_end = types + header.type_len;
  const uint64_t strings = base + header.str_off;
  const uint64_t strings_end = strings + header.str_len;
  if (base < sizeof header || base > size || types_end > size || strings_end > size || header.type_off % 4 != 0) {
    *error = "BTF header points outside the data";
    return false;
  }
  // The string section starts with the empty name and ends with a NUL, so
  // every string that starts inside it also ends inside it.
  if (header.str_len == 0 || data_[strings] != 0 || data_[strings_end - 1] != 0) {
    *error = "BTF string section is not NUL-delimited";
    return false;
  }
  if (types < strings_end && strings < types_end) {
    *error = "BTF type and string sections overlap";
    return false;
  }
  strings_ = strings;
  strings_size_ = header.str_len;

  for (uint64_t at = types; at < types_end;) {
    if (types_end - at < kTypeRecord) {
      *error = "BTF type section ends inside a type record";
      return false;
    }
    const uint32_t info = Read32(at + 4);
    const int64_t trailing = TrailingBytes(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
    if (trailing < 0) {
      *error = "BTF type " + std::to_string(offsets_.size() + 1) + " has unknown kind " + std::to_string(BTF_INFO_KIND(info));
      return false;
    }
    if (static_cast<uint64_t>(trailing) > types_end - at - kTypeRecord) {
      *error = "BTF type " + std::to_string(offsets_.size() + 1) + " runs past the type section";
      return false;
    }
    if (offsets_.size() >= BTF_MAX_TYPE) {
      *error = "BTF has more types than the format allows";
      return false;
    }
    offsets_.push_back(static_cast<uint32_t>(at));
    at += kTypeRecord + static_cast<uint64_t>(trailing);
  }
  return true;
}

bool Btf::View(uint32_t id, TypeView* view) const {
  if (id == 0 || id > offsets_.size()) return false;
  const size_t at = offsets_[id - 1];
  const uint32_t info = Read32(at + 4);
  view->name_off = Read32(at);
  view->kind = BTF_INFO_KIND(info);
  view->vlen = BTF_INFO_VLEN(info);
  view->kind_flag = BTF_INFO_KFLAG(info) != 0;
  view->size_or_type = Read32(at + 8);
  view->extra = at + kTypeRecord;
  return true;
}

bool Btf::NameIs(uint32_t name_off, const char* name) const {
  if (name_off >= strings_size_) return false;
  // Bounded by the section's final NUL (checked in Parse).
  const char* text = reinterpret_cast<const char*>(data_ + strings_ + name_off);
  return std::strcmp(text, name) == 0;
}

uint32_t Btf::Find(uint32_t kind, const char* name) const {
  TypeView view;
  for (uint32_t id = 1; id <= offsets_.size(); ++id) {
    View(id, &view);
    if (view.kind == kind && NameIs(view.name_off, name)) return id;
  }
  return 0;
}

bool Btf::Resolve(uint32_t id, TypeView* view, uint32_t* resolved_id) const {
  for (int hop = 0; hop < kMaxHops; ++hop) {
    if (!View(id, view)) return false;
    switch (view->kind) {
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = view->size_or_type;
        continue;
      default:
        *resolved_id = id;
        return true;
    }
  }
  return false;
}

uint32_t Btf::SizeOf(const TypeView& view, int depth) const {
  if (depth > kMaxHops) return 0;
  switch (view.kind) {
    case BTF_KIND_INT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_FLOAT:
      return view.size_or_type;
    case BTF_KIND_PTR:
      return sizeof(void*);  // the kernel's pointer size is the addon's (same machine)
    case BTF_KIND_ARRAY: {
      struct btf_array array;
      std::memcpy(&array, data_ + view.extra, sizeof array);
      TypeView element;
      uint32_t element_id;
      if (!Resolve(array.type, &element, &element_id)) return 0;
      const uint64_t total = static_cast<uint64_t>(SizeOf(element, depth + 1)) * array.nelems;
      return total > UINT32_MAX ? 0 : static_cast<uint32_t>(total);
    }
    default:
      return 0;
  }
}

uint32_t Btf::StructSize(uint32_t id) const {
  TypeView view;
  if (!View(id, &view) || (view.kind != BTF_KIND_STRUCT && view.kind != BTF_KIND_UNION)) return 0;
  return view.size_or_type;
}

bool Btf::MemberAt(uint32_t id, const char* name, uint32_t base, int depth, BtfMember* member) const {
  TypeView view;
  if (depth > kMaxNesting || !View(id, &view) || (view.kind != BTF_KIND_STRUCT && view.kind != BTF_KIND_UNION)) return false;
  for (uint32_t i = 0; i < view.vlen; ++i) {
    struct btf_member entry;
    std::memcpy(&entry, data_ + view.extra + i * sizeof entry, sizeof entry);
    // With kind_flag the offset word is <bit field size:8><bit offset:24>.
    const uint32_t bit_offset = view.kind_flag ? BTF_MEMBER_BIT_OFFSET(entry.offset) : entry.offset;
    const uint32_t bit_size = view.kind_flag ? BTF_MEMBER_BITFIELD_SIZE(entry.offset) : 0;
    TypeView type;
    uint32_t type_id;
    if (entry.name_off == 0) {
      // An anonymous struct or union: its members are named as the parent's.
      if (bit_offset % 8 == 0 && Resolve(entry.type, &type, &type_id) &&
          MemberAt(type_id, name, base + bit_offset / 8, depth + 1, member)) {
        return true;
      }
      continue;
    }
    if (!NameIs(entry.name_off, name)) continue;
    if (bit_size != 0 || bit_offset % 8 != 0 || !Resolve(entry.type, &type, &type_id)) return false;
    member->offset = base + bit_offset / 8;
    member->kind = type.kind;
    member->size = SizeOf(type, 0);
    return true;
  }
  return false;
}

bool Btf::Member(uint32_t id, const char* name, BtfMember* member) const { return MemberAt(id, name, 0, 0, member); }

}  // namespace netstat
