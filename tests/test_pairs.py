"""Held-out-style medicine pairs, written by a reviewing pharmacist from the references.

Each case is one muscle relaxant or pain medicine a person may be about to take, one medicine
they already take, the severity the major references give the pair (the drug labels, the
Drugs.com/Multum, Lexicomp and Micromedex ratings, Beers, Stockley, the ONC high-priority list)
or `None` where they list no interaction, and the id of the source in `data/interactions.yaml`
that supports it. The expected levels were set from those sources, not read off the engine.
"""

from __future__ import annotations

import pytest

from spasmcheck.core import interactions
from spasmcheck.core.model import KnowledgeBase, Severity

C = Severity.CONTRAINDICATED
MAJ = Severity.MAJOR
MOD = Severity.MODERATE
MIN = Severity.MINOR
NONE = None

# (candidate, the person's medicine, expected severity, source id)
PAIRS: list[tuple[str, str, Severity | None, str]] = [
    # --- cyclobenzaprine: MAO inhibitors (label section 4) and MAO-inhibiting drugs ---
    ("cyclobenzaprine", "phenelzine", C, "amrix_pi_4"),
    ("cyclobenzaprine", "tranylcypromine", C, "amrix_pi_4"),
    ("cyclobenzaprine", "isocarboxazid", C, "amrix_pi_4"),
    ("cyclobenzaprine", "selegiline", C, "amrix_pi_4"),
    ("cyclobenzaprine", "Emsam", C, "amrix_pi_4"),
    ("cyclobenzaprine", "rasagiline", C, "azilect_pi_4"),
    ("cyclobenzaprine", "safinamide", C, "xadago_pi_4"),
    ("cyclobenzaprine", "linezolid", MAJ, "zyvox_pi"),
    ("cyclobenzaprine", "methylene blue", MAJ, "fda_dsc_methylene_blue_2011"),
    ("cyclobenzaprine", "procarbazine", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "ozanimod", MAJ, "zeposia_pi"),
    # serotonergic drugs (label 5.1, 2013 safety labelling change)
    ("cyclobenzaprine", "sertraline", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "fluoxetine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "paroxetine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "citalopram", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "escitalopram", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "fluvoxamine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "venlafaxine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "desvenlafaxine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "duloxetine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "amitriptyline", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "nortriptyline", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "doxepin", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "bupropion", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "trazodone", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "vortioxetine", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "sumatriptan", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "rizatriptan", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "lithium", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "St John's wort", MAJ, "drugs_com_multum"),
    ("cyclobenzaprine", "ondansetron", MOD, "zofran_pi"),
    ("cyclobenzaprine", "verapamil", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "propafenone", MOD, "rythmol_pi"),
    # opioids: serotonergic ones and the rest (opioid boxed warning, ACEP 2020)
    ("cyclobenzaprine", "tramadol", MAJ, "amrix_pi_7"),
    ("cyclobenzaprine", "meperidine", MAJ, "amrix_pi_5_1"),
    ("cyclobenzaprine", "methadone", MAJ, "fda_dsc_opioids_2016"),
    ("cyclobenzaprine", "tapentadol", MAJ, "fda_dsc_opioids_2016"),
    ("cyclobenzaprine", "fentanyl", MAJ, "fda_dsc_opioids_2016"),
    ("cyclobenzaprine", "oxycodone", MAJ, "acep_2020_acute_pain"),
    ("cyclobenzaprine", "Percocet", MAJ, "acep_2020_acute_pain"),
    ("cyclobenzaprine", "hydrocodone", MAJ, "acep_2020_acute_pain"),
    ("cyclobenzaprine", "morphine", MAJ, "acep_2020_acute_pain"),
    ("cyclobenzaprine", "codeine", MAJ, "acep_2020_acute_pain"),
    ("cyclobenzaprine", "buprenorphine", MAJ, "acep_2020_acute_pain"),
    # CNS depressants (label section 7): benzodiazepines, Z-drugs, gabapentinoids, alcohol
    ("cyclobenzaprine", "alprazolam", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "lorazepam", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "clonazepam", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "zolpidem", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "eszopiclone", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "gabapentin", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "pregabalin", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "alcohol", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "phenobarbital", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "pramipexole", MOD, "dopamine_agonist_labels"),
    ("cyclobenzaprine", "topiramate", MOD, "topamax_pi"),
    # antihistamines
    ("cyclobenzaprine", "diphenhydramine", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "hydroxyzine", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "promethazine", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "doxylamine", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "cetirizine", MOD, "cetirizine_drug_facts"),
    ("cyclobenzaprine", "loratadine", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "fexofenadine", NONE, "drugs_com_multum"),
    # antipsychotics and anticholinergics
    ("cyclobenzaprine", "quetiapine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "olanzapine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "haloperidol", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "oxybutynin", MOD, "ditropan_xl_pi"),
    ("cyclobenzaprine", "benztropine", MOD, "flexeril_pi"),
    ("cyclobenzaprine", "tolterodine", MOD, "flexeril_pi"),
    ("cyclobenzaprine", "glycopyrrolate", MOD, "flexeril_pi"),
    ("cyclobenzaprine", "trihexyphenidyl", MOD, "flexeril_pi"),
    ("cyclobenzaprine", "potassium chloride", MAJ, "potassium_solid_labels"),
    # QT-prolonging drugs and CYP1A2 inhibitors
    ("cyclobenzaprine", "amiodarone", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "sotalol", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "azithromycin", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "ciprofloxacin", MOD, "amrix_pi_12_3"),
    # blood-pressure medicines (label section 7; issue 13 item 11)
    ("cyclobenzaprine", "clonidine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "guanfacine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "lisinopril", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "amlodipine", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "metoprolol", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "losartan", MOD, "drugs_com_multum"),
    ("cyclobenzaprine", "hydrochlorothiazide", MOD, "drugs_com_multum"),
    # other muscle relaxants
    ("cyclobenzaprine", "tizanidine", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "carisoprodol", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "methocarbamol", MOD, "texas_vdp_smr_dur"),
    ("cyclobenzaprine", "metaxalone", MAJ, "skelaxin_pi"),
    # benign pairs: no interaction in the references
    ("cyclobenzaprine", "metformin", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "atorvastatin", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "levothyroxine", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "omeprazole", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "ibuprofen", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "naproxen", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "acetaminophen", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "amoxicillin", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "warfarin", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "apixaban", NONE, "drugs_com_multum"),
    ("cyclobenzaprine", "rosuvastatin", NONE, "drugs_com_multum"),

    # --- tizanidine: CYP1A2 inhibitors (Zanaflex sections 4 and 7) ---
    ("tizanidine", "fluvoxamine", C, "zanaflex_pi"),
    ("tizanidine", "ciprofloxacin", C, "zanaflex_pi"),
    ("tizanidine", "Qelbree", C, "qelbree_pi"),
    ("tizanidine", "levofloxacin", MAJ, "zanaflex_pi"),
    ("tizanidine", "zileuton", MAJ, "zanaflex_pi"),
    ("tizanidine", "amiodarone", MAJ, "zanaflex_pi"),
    ("tizanidine", "mexiletine", MAJ, "zanaflex_pi"),
    ("tizanidine", "propafenone", MAJ, "zanaflex_pi"),
    ("tizanidine", "rifampin", MOD, "backman_2006_rifampicin_tizanidine"),
    ("tizanidine", "Rifadin", MOD, "sirdalud_smpc"),
    ("tizanidine", "verapamil", MAJ, "zanaflex_pi"),
    ("tizanidine", "cimetidine", MAJ, "zanaflex_pi"),
    ("tizanidine", "famotidine", MAJ, "zanaflex_pi"),
    ("tizanidine", "acyclovir", MAJ, "zanaflex_pi"),
    ("tizanidine", "ticlopidine", MAJ, "zanaflex_pi"),
    ("tizanidine", "ethinyl estradiol", MAJ, "zanaflex_pi"),
    ("tizanidine", "Yaz", MAJ, "zanaflex_pi"),
    ("tizanidine", "estradiol", MAJ, "drugs_com_multum"),
    ("tizanidine", "conjugated estrogens", MAJ, "drugs_com_multum"),
    ("tizanidine", "deferasirox", MAJ, "cyp1a2_perpetrator_labels"),
    ("tizanidine", "vemurafenib", MAJ, "cyp1a2_perpetrator_labels"),
    ("tizanidine", "methoxsalen", MAJ, "cyp1a2_perpetrator_labels"),
    # alpha-2 agonists and blood-pressure medicines
    ("tizanidine", "clonidine", MAJ, "zanaflex_pi"),
    ("tizanidine", "guanfacine", MAJ, "zanaflex_pi"),
    ("tizanidine", "lisinopril", MOD, "zanaflex_pi"),
    ("tizanidine", "amlodipine", MOD, "zanaflex_pi"),
    ("tizanidine", "metoprolol", MOD, "zanaflex_pi"),
    ("tizanidine", "losartan", MOD, "zanaflex_pi"),
    ("tizanidine", "hydrochlorothiazide", MOD, "zanaflex_pi"),
    ("tizanidine", "furosemide", MOD, "zanaflex_pi"),
    # CNS depressants, opioids, alcohol
    ("tizanidine", "alcohol", MOD, "zanaflex_pi"),
    ("tizanidine", "oxycodone", MAJ, "fda_dsc_opioids_2016"),
    ("tizanidine", "hydrocodone", MAJ, "fda_dsc_opioids_2016"),
    ("tizanidine", "tramadol", MAJ, "fda_dsc_opioids_2016"),
    ("tizanidine", "morphine", MAJ, "fda_dsc_opioids_2016"),
    ("tizanidine", "alprazolam", MOD, "zanaflex_pi"),
    ("tizanidine", "diazepam", MOD, "zanaflex_pi"),
    ("tizanidine", "zolpidem", MOD, "zanaflex_pi"),
    ("tizanidine", "gabapentin", MOD, "zanaflex_pi"),
    ("tizanidine", "baclofen", MOD, "zanaflex_pi"),
    ("tizanidine", "cyclobenzaprine", MOD, "texas_vdp_smr_dur"),
    ("tizanidine", "diphenhydramine", MOD, "zanaflex_pi"),
    ("tizanidine", "quetiapine", MOD, "zanaflex_pi"),
    ("tizanidine", "ropinirole", MOD, "dopamine_agonist_labels"),
    ("tizanidine", "topiramate", MOD, "topamax_pi"),
    ("tizanidine", "azithromycin", MOD, "zanaflex_pi"),
    # S1P modulators and liver-risk drugs
    ("tizanidine", "fingolimod", MAJ, "s1p_modulator_labels"),
    ("tizanidine", "leflunomide", MAJ, "leflunomide_labels"),
    ("tizanidine", "methotrexate", MAJ, "methotrexate_pi"),
    # benign
    ("tizanidine", "metformin", NONE, "drugs_com_multum"),
    ("tizanidine", "atorvastatin", NONE, "drugs_com_multum"),
    ("tizanidine", "levothyroxine", NONE, "drugs_com_multum"),
    ("tizanidine", "omeprazole", NONE, "drugs_com_multum"),
    ("tizanidine", "ibuprofen", NONE, "drugs_com_multum"),
    ("tizanidine", "acetaminophen", NONE, "drugs_com_multum"),

    # --- baclofen ---
    ("baclofen", "oxycodone", MAJ, "baclofen_pi"),
    ("baclofen", "morphine", MAJ, "baclofen_pi"),
    ("baclofen", "alcohol", MOD, "baclofen_pi"),
    ("baclofen", "lithium", MOD, "lioresal_uk_smpc"),
    ("baclofen", "amitriptyline", MOD, "lioresal_uk_smpc"),
    ("baclofen", "lisinopril", MOD, "lioresal_uk_smpc"),
    ("baclofen", "Sinemet", MOD, "lioresal_uk_smpc"),
    ("baclofen", "diazepam", MOD, "baclofen_pi"),
    ("baclofen", "gabapentin", MOD, "baclofen_pi"),
    ("baclofen", "metformin", NONE, "drugs_com_multum"),
    ("baclofen", "omeprazole", NONE, "drugs_com_multum"),

    # --- methocarbamol ---
    ("methocarbamol", "alcohol", MOD, "robaxin_pi"),
    ("methocarbamol", "oxycodone", MAJ, "fda_dsc_opioids_2016"),
    ("methocarbamol", "pyridostigmine", MOD, "robaxin_pi"),
    ("methocarbamol", "lorazepam", MOD, "robaxin_pi"),
    ("methocarbamol", "metformin", NONE, "drugs_com_multum"),
    ("methocarbamol", "atorvastatin", NONE, "drugs_com_multum"),

    # --- metaxalone ---
    ("metaxalone", "sertraline", MAJ, "skelaxin_pi"),
    ("metaxalone", "tramadol", MAJ, "skelaxin_pi"),
    ("metaxalone", "phenelzine", MAJ, "skelaxin_pi"),
    ("metaxalone", "alcohol", MOD, "skelaxin_pi"),
    ("metaxalone", "levothyroxine", NONE, "drugs_com_multum"),

    # --- carisoprodol ---
    ("carisoprodol", "oxycodone", MAJ, "soma_pi"),
    ("carisoprodol", "alprazolam", MAJ, "soma_pi"),
    ("carisoprodol", "alcohol", MOD, "soma_pi"),
    ("carisoprodol", "omeprazole", MOD, "soma_pi"),
    ("carisoprodol", "fluvoxamine", MOD, "soma_pi"),
    ("carisoprodol", "rifampin", MOD, "soma_pi"),
    ("carisoprodol", "metformin", NONE, "drugs_com_multum"),

    # --- orphenadrine ---
    ("orphenadrine", "oxybutynin", MOD, "norflex_label"),
    ("orphenadrine", "diphenhydramine", MOD, "norflex_label"),
    ("orphenadrine", "alcohol", MOD, "norflex_label"),
    ("orphenadrine", "hydrocodone", MAJ, "fda_dsc_opioids_2016"),
    ("orphenadrine", "metformin", NONE, "drugs_com_multum"),

    # --- chlorzoxazone ---
    ("chlorzoxazone", "disulfiram", MOD, "chlorzoxazone_label"),
    ("chlorzoxazone", "isoniazid", MOD, "chlorzoxazone_label"),
    ("chlorzoxazone", "alcohol", MOD, "chlorzoxazone_label"),
    ("chlorzoxazone", "oxycodone", MAJ, "fda_dsc_opioids_2016"),
    ("chlorzoxazone", "metformin", NONE, "drugs_com_multum"),

    # --- diazepam: opioids (boxed warning), CYP3A4 and CYP2C19 ---
    ("diazepam", "oxycodone", MAJ, "fda_dsc_opioid_benzo_2016"),
    ("diazepam", "hydrocodone", MAJ, "fda_dsc_opioid_benzo_2016"),
    ("diazepam", "tramadol", MAJ, "fda_dsc_opioid_benzo_2016"),
    ("diazepam", "alcohol", MAJ, "valium_pi_boxed"),
    ("diazepam", "ketoconazole", MOD, "valium_pi_boxed"),
    ("diazepam", "clarithromycin", MOD, "valium_pi_boxed"),
    ("diazepam", "fluvoxamine", MOD, "valium_pi_boxed"),
    ("diazepam", "fluoxetine", MOD, "valium_pi_boxed"),
    ("diazepam", "cimetidine", MOD, "valium_pi_boxed"),
    # moderate CYP3A4 inhibitors (FDA table; Valium: CYP3A4 inhibitors raise diazepam)
    ("diazepam", "erythromycin", MOD, "valium_uk_smpc"),
    ("diazepam", "diltiazem", MOD, "valium_uk_smpc"),
    ("diazepam", "Cardizem", MOD, "fda_cyp_table"),
    ("diazepam", "verapamil", MOD, "valium_uk_smpc"),
    ("diazepam", "ciprofloxacin", MOD, "fda_cyp_table"),
    ("diazepam", "dronedarone", MOD, "fda_cyp_table"),
    ("diazepam", "fluconazole", MOD, "valium_pi_boxed"),
    ("diazepam", "isoniazid", MOD, "valium_uk_smpc"),
    ("diazepam", "omeprazole", MOD, "valium_pi_boxed"),
    ("diazepam", "rifampin", MOD, "valium_pi_boxed"),
    ("diazepam", "carbamazepine", MOD, "valium_pi_boxed"),
    ("diazepam", "zolpidem", MOD, "valium_pi_boxed"),
    ("diazepam", "gabapentin", MOD, "fda_dsc_gabapentinoids_2019"),
    ("diazepam", "topiramate", MOD, "topamax_pi"),
    ("diazepam", "metformin", NONE, "drugs_com_multum"),
    ("diazepam", "levothyroxine", NONE, "drugs_com_multum"),

    # --- pregabalin and gabapentin ---
    ("pregabalin", "oxycodone", MAJ, "fda_dsc_gabapentinoids_2019"),
    ("pregabalin", "morphine", MAJ, "fda_dsc_gabapentinoids_2019"),
    ("pregabalin", "lorazepam", MOD, "fda_dsc_gabapentinoids_2019"),
    ("pregabalin", "alcohol", MOD, "fda_dsc_gabapentinoids_2019"),
    ("pregabalin", "lisinopril", MOD, "lyrica_pi"),
    ("pregabalin", "pioglitazone", MOD, "lyrica_pi"),
    ("pregabalin", "metformin", NONE, "drugs_com_multum"),
    ("pregabalin", "levothyroxine", NONE, "drugs_com_multum"),
    ("gabapentin", "hydrocodone", MAJ, "fda_dsc_gabapentinoids_2019"),
    ("gabapentin", "morphine", MAJ, "fda_dsc_gabapentinoids_2019"),
    ("gabapentin", "alcohol", MOD, "fda_dsc_gabapentinoids_2019"),
    ("gabapentin", "zolpidem", MOD, "fda_dsc_gabapentinoids_2019"),
    ("gabapentin", "aluminum hydroxide", MOD, "neurontin_pi"),
    ("gabapentin", "metformin", NONE, "drugs_com_multum"),
    ("gabapentin", "atorvastatin", NONE, "drugs_com_multum"),

    # --- duloxetine ---
    ("duloxetine", "phenelzine", C, "cymbalta_pi"),
    ("duloxetine", "selegiline", C, "cymbalta_pi"),
    ("duloxetine", "linezolid", C, "cymbalta_pi"),
    ("duloxetine", "methylene blue", C, "cymbalta_pi"),
    ("duloxetine", "thioridazine", C, "cymbalta_pi"),
    ("duloxetine", "viloxazine", C, "qelbree_pi"),
    ("duloxetine", "ozanimod", MAJ, "zeposia_pi"),
    ("duloxetine", "fluvoxamine", MAJ, "cymbalta_pi"),
    ("duloxetine", "ciprofloxacin", MAJ, "cymbalta_pi"),
    ("duloxetine", "tramadol", MAJ, "cymbalta_pi"),
    ("duloxetine", "sumatriptan", MAJ, "cymbalta_pi"),
    ("duloxetine", "sertraline", MAJ, "cymbalta_pi"),
    ("duloxetine", "amitriptyline", MAJ, "cymbalta_pi"),
    ("duloxetine", "flecainide", MOD, "cymbalta_pi"),
    ("duloxetine", "propafenone", MOD, "cymbalta_pi"),
    ("duloxetine", "metoprolol", MOD, "cymbalta_pi"),
    ("duloxetine", "ibuprofen", MOD, "cymbalta_pi"),
    ("duloxetine", "naproxen", MOD, "cymbalta_pi"),
    ("duloxetine", "warfarin", MOD, "cymbalta_pi"),
    ("duloxetine", "apixaban", MOD, "cymbalta_pi"),
    ("duloxetine", "aspirin", MOD, "cymbalta_pi"),
    ("duloxetine", "clopidogrel", MOD, "cymbalta_pi"),
    ("duloxetine", "alcohol", MOD, "cymbalta_pi"),
    ("duloxetine", "lorazepam", MOD, "cymbalta_pi"),
    ("duloxetine", "zolpidem", MOD, "cymbalta_pi"),
    ("duloxetine", "gabapentin", MOD, "cymbalta_pi"),
    ("duloxetine", "pseudoephedrine", MOD, "drugs_com_multum"),
    ("duloxetine", "hydrocodone", MOD, "drugs_com_multum"),
    ("duloxetine", "metformin", NONE, "drugs_com_multum"),
    ("duloxetine", "atorvastatin", NONE, "drugs_com_multum"),
    ("duloxetine", "levothyroxine", NONE, "drugs_com_multum"),

    # --- ibuprofen (NSAID class labelling) ---
    ("ibuprofen", "warfarin", MAJ, "nsaid_class_labeling"),
    ("ibuprofen", "apixaban", MAJ, "doac_labels"),
    ("ibuprofen", "rivaroxaban", MAJ, "doac_labels"),
    ("ibuprofen", "dabigatran", MAJ, "nsaid_class_labeling"),
    ("ibuprofen", "sertraline", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "fluoxetine", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "venlafaxine", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "lisinopril", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "losartan", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "hydrochlorothiazide", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "furosemide", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "metoprolol", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "digoxin", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "methotrexate", MAJ, "nsaid_class_labeling"),
    ("ibuprofen", "lithium", MAJ, "nsaid_class_labeling"),
    ("ibuprofen", "aspirin", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "prednisone", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "naproxen", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "clopidogrel", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "cyclosporine", MOD, "nsaid_class_labeling"),
    ("ibuprofen", "alcohol", MOD, "nsaid_otc_drug_facts"),
    ("ibuprofen", "ketorolac", C, "toradol_pi"),
    ("ibuprofen", "ciprofloxacin", MOD, "cipro_pi"),
    ("ibuprofen", "levofloxacin", MOD, "cipro_pi"),
    ("ibuprofen", "metformin", NONE, "drugs_com_multum"),
    ("ibuprofen", "cyclobenzaprine", NONE, "drugs_com_multum"),
    ("ibuprofen", "levothyroxine", NONE, "drugs_com_multum"),
    ("ibuprofen", "acetaminophen", NONE, "drugs_com_multum"),
    ("ibuprofen", "atorvastatin", NONE, "drugs_com_multum"),

    # --- naproxen ---
    ("naproxen", "warfarin", MAJ, "nsaid_class_labeling"),
    ("naproxen", "rivaroxaban", MAJ, "doac_labels"),
    ("naproxen", "escitalopram", MOD, "nsaid_class_labeling"),
    ("naproxen", "duloxetine", MOD, "nsaid_class_labeling"),
    ("naproxen", "lisinopril", MOD, "nsaid_class_labeling"),
    ("naproxen", "valsartan", MOD, "nsaid_class_labeling"),
    ("naproxen", "spironolactone", MOD, "nsaid_class_labeling"),
    ("naproxen", "metoprolol", MOD, "nsaid_class_labeling"),
    ("naproxen", "lithium", MAJ, "nsaid_class_labeling"),
    ("naproxen", "methotrexate", MAJ, "nsaid_class_labeling"),
    ("naproxen", "prednisone", MOD, "nsaid_class_labeling"),
    ("naproxen", "ibuprofen", MOD, "nsaid_class_labeling"),
    ("naproxen", "alcohol", MOD, "nsaid_otc_drug_facts"),
    ("naproxen", "ketorolac", C, "toradol_pi"),
    ("naproxen", "metformin", NONE, "drugs_com_multum"),
    ("naproxen", "cyclobenzaprine", NONE, "drugs_com_multum"),
    ("naproxen", "levothyroxine", NONE, "drugs_com_multum"),
]


def _worst_pair(kb: KnowledgeBase, candidate: str, med: str) -> Severity | None:
    report = interactions.check([med], kb, interactions.candidate_drug(kb, candidate))
    assert [m.status for m in report.medications] == ["known"], f"{med} is not fully known"
    return max((i.severity for i in report.findings if i.kind == "pair"), default=None)


@pytest.mark.parametrize(("candidate", "med", "expected", "source"), PAIRS,
                         ids=[f"{c}+{m}" for c, m, _, _ in PAIRS])
def test_pair_severity_matches_the_references(kb: KnowledgeBase, candidate: str, med: str,
                                              expected: Severity | None, source: str) -> None:
    assert source in kb.interactions.sources, f"unknown source id {source}"
    assert _worst_pair(kb, candidate, med) is expected


def test_the_pairs_cover_every_candidate(kb: KnowledgeBase) -> None:
    covered = {candidate for candidate, _, _, _ in PAIRS}
    assert covered == set(kb.interactions.candidates)


# Pairs among the person's own medicines that no rule could express before (SAFETY.md W-65).
OWN_PAIRS: list[tuple[str, str, Severity, str]] = [
    ("phenelzine", "pseudoephedrine", C, "decongestant_drug_facts"),
    ("Nardil", "Sudafed PE", C, "decongestant_drug_facts"),
    ("tranylcypromine", "atomoxetine", C, "decongestant_drug_facts"),
    ("linezolid", "pseudoephedrine", MAJ, "zyvox_pi"),
    ("apomorphine", "ondansetron", C, "apokyn_pi"),
    ("colchicine", "clarithromycin", MAJ, "colcrys_pi"),
    ("warfarin", "Bactrim", MAJ, "coumadin_pi"),
    ("warfarin", "ciprofloxacin", MOD, "coumadin_pi"),
    ("sildenafil", "isosorbide dinitrate", C, "pde5_nitrate_labels"),
    ("tadalafil", "isosorbide dinitrate", C, "pde5_nitrate_labels"),
    ("paroxetine", "metoprolol", MOD, "cyp2d6_substrate_labels"),
    ("fluoxetine", "atomoxetine", MOD, "cyp2d6_substrate_labels"),
    ("rifampin", "apixaban", MAJ, "doac_labels"),
    ("carbamazepine", "rivaroxaban", MAJ, "doac_labels"),
    ("rifampin", "Yaz", MAJ, "fsrh_drug_interactions"),
    ("St John's wort", "ethinyl estradiol", MAJ, "fsrh_drug_interactions"),
    ("lithium", "lisinopril", MAJ, "lithium_pi"),
    ("lithium", "losartan", MAJ, "lithium_pi"),
    ("lithium", "hydrochlorothiazide", MAJ, "lithium_pi"),
    ("lithium", "furosemide", MOD, "lithium_pi"),
    ("ketorolac", "pentoxifylline", C, "toradol_pi"),
    ("ketorolac", "aspirin", C, "toradol_pi"),
    ("ramelteon", "fluvoxamine", C, "rozerem_pi"),
    ("febuxostat", "azathioprine", C, "uloric_pi"),
    ("eletriptan", "clarithromycin", MAJ, "cyp3a4_substrate_labels"),
    ("Advair", "ritonavir", MAJ, "cyp3a4_substrate_labels"),
    ("ticagrelor", "ketoconazole", MAJ, "cyp3a4_substrate_labels"),
    ("tamsulosin", "itraconazole", MAJ, "cyp3a4_substrate_labels"),
    ("Levitra", "nitroglycerin", C, "pde5_nitrate_labels"),
    ("avanafil", "isosorbide mononitrate", C, "pde5_nitrate_labels"),
    ("nicorandil", "sildenafil", C, "ikorel_smpc"),
    ("Viagra", "ritonavir", MAJ, "pde5_nitrate_labels"),
    ("ivabradine", "clarithromycin", C, "cyp3a4_contraindicated_labels"),
    ("ivabradine", "diltiazem", MAJ, "cyp3a4_contraindicated_labels"),
    ("ubrogepant", "itraconazole", C, "cyp3a4_contraindicated_labels"),
    ("ubrogepant", "rifampin", MAJ, "cyp3a4_contraindicated_labels"),
    ("alfuzosin", "ketoconazole", C, "cyp3a4_contraindicated_labels"),
    ("silodosin", "ritonavir", C, "cyp3a4_contraindicated_labels"),
    ("rimegepant", "itraconazole", MAJ, "cyp3a4_contraindicated_labels"),
    ("warfarin", "sertraline", MOD, "ssri_bleeding_labels"),
    ("apixaban", "escitalopram", MOD, "ssri_bleeding_labels"),
    ("warfarin", "venlafaxine", MOD, "ssri_bleeding_labels"),
    ("clopidogrel", "sertraline", MOD, "ssri_bleeding_labels"),
    ("spironolactone", "potassium chloride", MAJ, "aldactone_pi"),
    ("lisinopril", "Klor-Con", MOD, "ace_arb_potassium_labels"),
    ("methotrexate", "Bactrim", MAJ, "methotrexate_interactions_pi"),
    ("simvastatin", "amiodarone", MAJ, "zocor_pi"),
    ("simvastatin", "diltiazem", MAJ, "zocor_pi"),
    ("phenelzine", "Zeposia", C, "zeposia_pi"),
    ("ozanimod", "pseudoephedrine", MAJ, "zeposia_pi"),
]


@pytest.mark.parametrize(("first", "second", "expected", "source"), OWN_PAIRS,
                         ids=[f"{a}+{b}" for a, b, _, _ in OWN_PAIRS])
def test_pairs_among_the_persons_own_medicines(kb: KnowledgeBase, first: str, second: str,
                                               expected: Severity, source: str) -> None:
    assert source in kb.interactions.sources, f"unknown source id {source}"
    report = interactions.check([first, second], kb)
    assert all(m.status == "known" for m in report.medications)
    ours = {d for m in report.medications for d in m.drugs}
    found = [i.severity for i in report.findings
             if i.kind == "pair" and not {report.candidate.id} & set(i.drugs)
             and set(i.drugs) <= ours]
    assert max(found, default=None) is expected
