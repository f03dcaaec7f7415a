/* A program the policy refuses by its name and arguments (copied as `curl`, called with
 * `-X DELETE` and a production URL): its first action, before main, creates ARGV0.ran. A refused
 * exec that is let commit and ended at its exec event must never create it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((constructor)) static void ran(int argc, char **argv)
{
    char path[4096];
    if (argc < 1 || snprintf(path, sizeof path, "%s.ran", argv[0]) >= (int)sizeof path)
        _exit(3);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

int main(void)
{
    return 0;
}
