// btf.h — a small, bounds-checked reader of the BPF Type Format
// (include/uapi/linux/btf.h, Documentation/bpf/btf.rst), enough to find a
// function's type id and a struct member's byte offset in the kernel's own
// description of itself, /sys/kernel/btf/vmlinux.
//
// Every length and offset in the blob is checked before it is used: the
// header's sections must lie inside the blob, every type record must fit in
// the type section (an unknown kind is an error: its size cannot be known),
// every name offset must point at a NUL-terminated string inside the string
// section, and every type id followed must exist. A malformed blob gives
// `false` and a message, never a read out of bounds.
#ifndef NETSTAT_NATIVE_BTF_H_
#define NETSTAT_NATIVE_BTF_H_

#include <cstdint>
#include <string>
#include <vector>

namespace netstat {

// Where a member lives, and what it is once typedefs and qualifiers are
// skipped: `kind` is a BTF_KIND_* (INT, PTR, STRUCT, ARRAY, ...), `size`
// its size in bytes (8 for a pointer; 0 for a flexible array).
struct BtfMember {
  uint32_t offset = 0;
  uint32_t kind = 0;
  uint32_t size = 0;
};

class Btf {
 public:
  // Indexes the whole blob, which must outlive this object (it is not
  // copied). False (with `*error`) when it is malformed.
  bool Parse(const uint8_t* data, size_t size, std::string* error);

  // The id of the first type of `kind` named `name`, or 0 (no type has id 0).
  uint32_t Find(uint32_t kind, const char* name) const;

  // Member `name` of the struct or union `id`, also inside its anonymous
  // struct/union members (as C lets one name them). False when there is no
  // such member, or it is a bit field or not byte-aligned.
  bool Member(uint32_t id, const char* name, BtfMember* member) const;

  // Size in bytes of the struct or union `id`; 0 if `id` is not one.
  uint32_t StructSize(uint32_t id) const;

  size_t type_count() const { return offsets_.size(); }

 private:
  struct TypeView {
    uint32_t name_off;
    uint32_t kind;
    uint32_t vlen;
    bool kind_flag;
    uint32_t size_or_type;
    size_t extra;  // offset in data_ of what follows the 12-byte record
  };
  bool View(uint32_t id, TypeView* view) const;
  bool NameIs(uint32_t name_off, const char* name) const;
  // Follows typedefs, qualifiers and type tags to the type they stand for.
  bool Resolve(uint32_t id, TypeView* view, uint32_t* resolved_id) const;
  uint32_t SizeOf(const TypeView& view, int depth) const;
  bool MemberAt(uint32_t id, const char* name, uint32_t base, int depth, BtfMember* member) const;
  uint32_t Read32(size_t at) const;

  const uint8_t* data_ = nullptr;
  size_t strings_ = 0;       // offset of the string section in data_
  size_t strings_size_ = 0;  // its length
  // offsets_[id - 1]: where type `id` starts in data_ (id 0 is `void` and has no record).
  std::vector<uint32_t> offsets_;
};

}  // namespace netstat

#endif  // NETSTAT_NATIVE_BTF_H_
