/** HARDWARE_IDENTIFY: what a PCI id, vendor id or class code is; what hardware is present. */
import type { IntentTemplates } from '../frames';

const withDriver = (drivers: string | undefined): string => (drivers ? `; driver ${drivers}` : '');

export const HARDWARE_IDENTIFY: IntentTemplates = {
  intent: 'HARDWARE_IDENTIFY',
  frames: [
    {
      name: 'by-id', entity: 'device', weight: 5, source: 'pci.ids+modules.alias',
      answer: (s) => `${s.id} is ${s.vendor} ${s.device}${withDriver(s.drivers)}`,
      templates: [
        'what is {id}?',
        'what device is {id}?',
        'identify [the|] pci device {id}',
        'what hardware has the id {id}?',
        '[tell me|show me] what {id} is',
        'which device has [the|] pci id {id}?',
        'lspci shows {lspci}, what is that?',
        'what is vendor {vidhex} device {didhex}?',
        'name the device with id {id}',
        'look up [the|] pci id {id}',
        'i have a device {id} in my [machine|computer|pc], what is it?',
        'what kind of hardware is {id}?',
        'decode the pci id {id}',
        'what [card|chip] is {id}?',
        'which product is {id}?',
        'what is the device {lspci} in lspci?',
        'identify {id}',
        'what is this pci device: {id}',
      ],
    },
    {
      name: 'by-name', entity: 'categoryDevice', weight: 2, source: 'pci.ids+modules.alias',
      answer: (s) => `${s.vendor} ${s.device} is a ${s.category} (${s.id})${withDriver(s.drivers)}`,
      templates: [
        'what is a {name}?',
        'what kind of device is the {name}?',
        'what does the {name} do?',
        'tell me about the {name}',
        'what type of hardware is [the|] {name}?',
        'identify the {name}',
        'what is the pci id of the {name}?',
        'describe the {vendorShort} {deviceShort} hardware',
        'what sort of [card|chip] is the {name}?',
        'which pci id does the {name} have?',
      ],
    },
    {
      name: 'vendor', entity: 'vendor', weight: 1, source: 'pci.ids',
      answer: (s) => `vendor ${s.vid} is ${s.vendor}`,
      templates: [
        'who is pci vendor {vid}?',
        'which company has vendor id {vidhex}?',
        'what vendor is {vid}?',
        'who makes devices with vendor id {vid}?',
        'look up [the|] vendor id {vidhex}',
        'what manufacturer is {vid}?',
        'which vendor owns pci id {vid}?',
        'identify the vendor {vidhex}',
      ],
    },
    {
      name: 'class', entity: 'pciClass', weight: 1, source: 'pci.ids',
      answer: (s) => `class ${s.code} is ${s.className}: ${s.subclassName}`,
      templates: [
        'what is pci class {code}?',
        'what does class code {codehex} mean?',
        'what kind of device has class {code}?',
        'decode pci class {code}',
        'what is device class {codehex}?',
        'which device type is class {code}?',
        'identify the pci class {codehex}',
      ],
    },
    {
      name: 'inventory', entity: 'none', weight: 1, source: 'handwritten',
      answer: () => 'scan pci devices',
      templates: [
        '[list|show] [all|] the [hardware|devices] in this [machine|computer|system]',
        'what hardware do i have?',
        'what [devices|cards] are [installed|present] [in this machine|here|in my pc]?',
        'scan the pci bus',
        '[detect|identify] [my|all] hardware',
        'what is inside this [computer|pc|server]?',
        'give me a hardware inventory',
        'enumerate [the|] pci devices',
        'which [components|devices] does this [computer|system] have?',
        'show me my hardware [list|details|]',
      ],
    },
  ],
};
