// What the clipboard holds, emptied after the read: a button that copies
// nothing then reads as empty, not as the block before it.
async () => {
    const copied = await navigator.clipboard.readText();
    await navigator.clipboard.writeText("");
    return copied;
}
