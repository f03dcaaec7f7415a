/* A user-installed "curl" with its own libcurl (RUNPATH $ORIGIN/../lib), as conda's or linuxbrew's. */
#include <stdio.h>
extern void *curl_easy_init(void);
extern int curl_easy_setopt(void *, int, ...);
extern int curl_easy_perform(void *);
int main(int argc, char **argv)
{
    void *c = curl_easy_init();
    if (!c || argc < 2) return 2;
    curl_easy_setopt(c, 10002 /* CURLOPT_URL */, argv[argc - 1]);
    return curl_easy_perform(c);
}
