/*
 * truth.h: the forms of an inject's ground truth, its ATT&CK technique
 * and its indicators, as a scenario writes them and as later stages
 * (shared intelligence, detection scoring) will read observations.
 */
#ifndef RANGECTL_TRUTH_H
#define RANGECTL_TRUTH_H

/*
 * Whether text is a MITRE ATT&CK technique id: T and four digits, then
 * optionally a dot and three digits (a sub-technique). Returns 0, or -1
 * with *why completing "... is not a technique id: WHY".
 */
int truth_technique_check(const char *text, const char **why);
/*
 * Whether value has the form of an indicator of type (enum
 * indicator_type, scenario.h). Returns 0, or -1 with *why completing
 * "... is not a TYPE: WHY".
 */
int truth_indicator_check(int type, const char *value, const char **why);

#endif
